using System.Text.Json;
using LipGen.IO;
using LipGen.Verification;

namespace LipGen.Tests.Networks
{
    // The declaration tools/pytorch/lipgen_export.py prints for the model in make_monotonicnetworks_testdata.py:
    // monotonicnetworks' GroupSort(8) on 16 units is group size 2, GroupSort(4) is group size 4; kind "one-inf" is p = 1.
    [LipschitzNetwork(3, 16, 16, 1, GroupSizes = new[] { 2, 4 }, P = Norm.L1, Lipschitz = 1.5, Monotone = new[] { 1, 0, -1 })]
    public partial class ImportedMonotoneNet;

    // The same but for its signs: a file from the monotone model must not load into it.
    [LipschitzNetwork(3, 16, 16, 1, GroupSizes = new[] { 2, 4 }, P = Norm.L1, Lipschitz = 1.5, Monotone = new[] { 1, 0, 0 })]
    public partial class WrongSignsNet;

    // The same but for the group sizes (as if GroupSort(8) had been read as a group size of 8).
    [LipschitzNetwork(3, 16, 16, 1, GroupSizes = new[] { 8, 4 }, P = Norm.L1, Lipschitz = 1.5, Monotone = new[] { 1, 0, -1 })]
    public partial class WrongGroupsNet;
}

namespace LipGen.Tests
{
    using LipGen.Tests.Networks;

    /// <summary>
    /// A model built from (a re-implementation of) monotonicnetworks' classes, trained in PyTorch and exported by
    /// tools/pytorch/lipgen_export.py: its matching declaration loads it and reproduces PyTorch's outputs.
    /// </summary>
    public class MonotonicNetworksImportTests
    {
        private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData");

        [Fact]
        public void The_exported_model_loads_into_its_declaration_and_gives_PyTorchs_outputs()
        {
            var net = new ImportedMonotoneNet();
            string path = Path.Combine(Folder, "monotonicnetworks.safetensors");
            // PyTorch's normalisation divides each row by its norm in float, which leaves some rows a few ulps above their
            // bound: in exact arithmetic these weights are 1.50000032-Lipschitz, not 1.5. LipGen says so, and loads them only
            // projected (rows moved inside by at most 2⁻²² relative).
            Assert.Contains("L̂ = 1.5000003", Assert.Throws<NetworkFileException>(() => net.Load(path)).Message);
            net.Load(path, projectOnLoad: true);
            using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "monotonicnetworks-expected.json")));
            Assert.Contains("Monotone = new[] { 1, 0, -1 }", expected.RootElement.GetProperty("declaration").GetString());
            float[][] inputs = expected.RootElement.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
            float[] outputs = expected.RootElement.GetProperty("outputs").EnumerateArray().Select(r => r[0].GetSingle()).ToArray();
            Assert.Equal(32, inputs.Length);
            for (int i = 0; i < inputs.Length; i++)
            {
                float y = net.Forward(inputs[i]);
                Assert.True(Math.Abs(y - outputs[i]) <= 1e-5 * Math.Max(1, Math.Abs(outputs[i])), $"sample {i}: LipGen {y}, PyTorch {outputs[i]}");
            }
            // And LipGen certifies what monotonicnetworks assumes.
            InputSlope[] slopes = CertifiedBound.SlopeRanges(net.Description, net.Parameters);
            Assert.True(slopes[0].IsCertifiedMonotone && slopes[2].IsCertifiedMonotone, string.Join("; ", slopes));
            Assert.True(CertifiedBound.ComputeConstrained(net.Description, net.Parameters) <= 1.5);
        }

        [Fact]
        public void A_mismatched_declaration_is_refused_naming_what_differs()
        {
            string path = Path.Combine(Folder, "monotonicnetworks.safetensors");
            var signs = Assert.Throws<NetworkFileException>(() => new WrongSignsNet().Load(path, projectOnLoad: true));
            Assert.Contains("lipgen.monotone = 1,0,-1", signs.Message);
            var groups = Assert.Throws<NetworkFileException>(() => new WrongGroupsNet().Load(path, projectOnLoad: true));
            Assert.Contains("lipgen.group_sizes = 2,4", groups.Message);
            Assert.Throws<NetworkFileException>(() => new MonotoneNet().Load(path, projectOnLoad: true)); // another architecture
        }
    }
}
