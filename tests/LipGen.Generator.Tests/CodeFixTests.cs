using LipGen.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace LipGen.Generator.Tests;

/// <summary>The add-partial code fix, run by the Roslyn code-fix test harness.</summary>
public class CodeFixTests
{
    private static Task Verify(string source, string fixedSource)
    {
        var test = new CSharpCodeFixTest<LipschitzNetworkAnalyzer, AddPartialCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            // The machine's own framework and the runtime assembly: nothing is downloaded.
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.TestState.AdditionalReferences.AddRange(GeneratorHarness.ReferencesForTests);
        test.FixedState.AdditionalReferences.AddRange(GeneratorHarness.ReferencesForTests);
        return test.RunAsync();
    }

    [Fact]
    public Task Adds_partial_to_a_class_with_modifiers() => Verify(
        """
        using LipGen;

        [LipschitzNetwork(2, 4, 1)]
        public sealed class {|LIPG001:Net|} { }
        """,
        """
        using LipGen;

        [LipschitzNetwork(2, 4, 1)]
        public sealed partial class Net { }
        """);

    [Fact]
    public Task Adds_partial_to_a_class_without_modifiers_keeping_its_indentation() => Verify(
        """
        namespace N
        {
            [LipGen.LipschitzNetwork(2, 4, 1)]
            class {|LIPG001:Net|} { }
        }
        """,
        """
        namespace N
        {
            [LipGen.LipschitzNetwork(2, 4, 1)]
            partial class Net { }
        }
        """);

    [Fact]
    public Task Adds_partial_to_the_containing_type() => Verify(
        """
        public class {|LIPG002:Outer|}
        {
            [LipGen.LipschitzNetwork(2, 4, 1)]
            internal partial class Net { }
        }
        """,
        """
        public partial class Outer
        {
            [LipGen.LipschitzNetwork(2, 4, 1)]
            internal partial class Net { }
        }
        """);
}
