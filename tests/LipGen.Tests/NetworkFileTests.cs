using System.Text;
using System.Text.Json;
using LipGen.Data;
using LipGen.IO;
using LipGen.Training;
using LipGen.Tests.Networks;

namespace LipGen.Tests;

public sealed partial class NetworkFileTests : IDisposable
{
    // The network the PyTorch test file was made for (tools/pytorch/export_sequential.py): GroupSort(4) on 8 units is
    // group size 2, GroupSort(3) on 12 units is group size 4.
    // λ = 4 covers the unconstrained PyTorch weights (certificate 3.5): Load rejects weights beyond the declared bound.
    [LipschitzNetwork(3, 8, 12, 2, GroupSizes = new[] { 2, 4 }, P = Norm.L2, Lipschitz = 4)]
    public partial class PyTorchNet;

    private readonly string _folder = Directory.CreateTempSubdirectory("lipgen-io-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static MoonsNet Trained()
    {
        var net = new MoonsNet();
        Trainer.Train(net, TwoMoons.Generate(200, 0.1, 1), new HingeLoss(0.1f), new TrainingOptions { Epochs = 5, LearningRate = 0.01f });
        return net;
    }

    [Fact]
    public void Train_save_load_gives_identical_outputs_bit_for_bit()
    {
        MoonsNet trained = Trained();
        NetworkFile.Save(trained, PathOf("moons.safetensors"));
        var loaded = new MoonsNet();
        loaded.Initialize(99);
        NetworkFile.Load(loaded, PathOf("moons.safetensors"));
        Assert.Equal(trained.Parameters.ToArray(), loaded.Parameters.ToArray());
        var random = new SeededRandom(1);
        for (int i = 0; i < 100; i++)
        {
            float[] x = NetworkCases.RandomVector(ref random, 2);
            Assert.Equal(BitConverter.SingleToInt32Bits(trained.Forward(x)), BitConverter.SingleToInt32Bits(loaded.Forward(x)));
        }
    }

    [Fact]
    public void The_file_is_standard_safetensors_with_the_declaration_in_its_metadata()
    {
        NetworkFile.Save(new EuclideanNet(), PathOf("e.safetensors"));
        byte[] bytes = File.ReadAllBytes(PathOf("e.safetensors"));
        long headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, (8 + headerLength) % 8); // data 8-byte aligned
        using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        JsonElement metadata = header.RootElement.GetProperty("__metadata__");
        Assert.Equal("5,12,8,3", metadata.GetProperty("lipgen.widths").GetString());
        Assert.Equal("4,8", metadata.GetProperty("lipgen.group_sizes").GetString());
        Assert.Equal("2", metadata.GetProperty("lipgen.p").GetString());
        Assert.Equal("2.5", metadata.GetProperty("lipgen.lipschitz").GetString());
        JsonElement weight = header.RootElement.GetProperty("layers.1.weight");
        Assert.Equal("F32", weight.GetProperty("dtype").GetString());
        Assert.Equal([8, 12], weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
    }

    /// <summary>Loading <paramref name="bytes"/> fails with a message containing <paramref name="expected"/>, and leaves the network as it was.</summary>
    private void AssertRejected(byte[] bytes, string expected)
    {
        File.WriteAllBytes(PathOf("bad.safetensors"), bytes);
        var net = new MoonsNet();
        net.Initialize(7);
        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<NetworkFileException>(() => NetworkFile.Load(net, PathOf("bad.safetensors")));
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"message: {e.Message}");
        Assert.Contains("bad.safetensors", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    private static byte[] Good() => NetworkFile.Serialize(MoonsNet.Kernel.Description, new MoonsNet().Parameters);

    /// <summary>A safetensors file with this JSON header (padded) and data.</summary>
    private static byte[] Handmade(string json, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    [Fact]
    public void A_file_for_another_architecture_is_rejected()
    {
        NetworkFile.Save(new EuclideanNet(), PathOf("other.safetensors"));
        AssertRejected(File.ReadAllBytes(PathOf("other.safetensors")), "saved from a network with lipgen.widths = 5,12,8,3; LipGen.Tests.Networks.MoonsNet has 2,32,32,1");
    }

    [Fact]
    public void A_file_without_metadata_but_with_other_shapes_is_rejected()
    {
        // What a PyTorch export for a 2-16-1 network looks like: right names, wrong shapes.
        string json = "{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[16,2],\"data_offsets\":[0,128]}," +
                      "\"layers.0.bias\":{\"dtype\":\"F32\",\"shape\":[16],\"data_offsets\":[128,192]}}";
        AssertRejected(Handmade(json, new byte[192]), "tensor \"layers.0.weight\" has shape [16, 2]; LipGen.Tests.Networks.MoonsNet (2-32-32-1) needs [32, 2]");
    }

    [Fact]
    public void A_truncated_file_is_rejected()
    {
        byte[] good = Good();
        AssertRejected(good[..(good.Length - 10)], "truncated");
    }

    [Fact]
    public void A_file_cut_inside_its_header_is_rejected()
    {
        AssertRejected(Good()[..40], "truncated, or not a safetensors file");
    }

    [Fact]
    public void A_corrupted_header_is_rejected()
    {
        byte[] bytes = Good();
        bytes[Array.IndexOf(bytes, (byte)':', 8)] = (byte)'!'; // the first key loses its colon
        AssertRejected(bytes, "not valid JSON: expected ':' but found '!'");
    }

    [Fact]
    public void A_file_that_is_not_safetensors_at_all_is_rejected()
    {
        AssertRejected(Encoding.UTF8.GetBytes("PK\u0003\u0004 this is a zip file, not weights"), "not a safetensors file");
        AssertRejected([1, 2, 3], "8-byte header length");
    }

    [Fact]
    public void A_wrong_dtype_is_rejected()
    {
        string json = "{\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[32,2],\"data_offsets\":[0,512]}}";
        AssertRejected(Handmade(json, new byte[512]), "tensor \"layers.0.weight\" is F64; LipGen networks hold F32");
    }

    [Fact]
    public void NaN_or_infinite_weights_are_rejected()
    {
        var net = new MoonsNet();
        net.Parameters[70] = float.NaN; // a bias of layer 1
        AssertRejected(NetworkFile.Serialize(MoonsNet.Kernel.Description, net.Parameters), "tensor \"layers.0.bias\" holds NaN at index 6");
        net.Parameters[70] = 0;
        net.Parameters[200] = float.PositiveInfinity;
        AssertRejected(NetworkFile.Serialize(MoonsNet.Kernel.Description, net.Parameters), "tensor \"layers.1.weight\" holds Infinity at index 104");
    }

    [Fact]
    public void A_header_that_lies_about_offsets_is_rejected()
    {
        string overlap = "{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[32,2],\"data_offsets\":[0,256]}," +
                         "\"layers.0.bias\":{\"dtype\":\"F32\",\"shape\":[32],\"data_offsets\":[128,256]}}";
        AssertRejected(Handmade(overlap, new byte[256]), "overlaps the tensor before it");
        string beyond = "{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[32,2],\"data_offsets\":[0,256]}}";
        AssertRejected(Handmade(beyond, new byte[100]), "outside the 100-byte data section");
        string wrongSize = "{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[32,2],\"data_offsets\":[0,200]}}";
        AssertRejected(Handmade(wrongSize, new byte[200]), "(256 bytes) but claims 200 bytes");
        string gap = "{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[32,2],\"data_offsets\":[8,264]}}";
        AssertRejected(Handmade(gap, new byte[264]), "gap of 8 bytes");
    }

    [Fact]
    public void An_extra_tensor_means_another_architecture()
    {
        byte[] good = Good();
        string json = Encoding.UTF8.GetString(good, 8, (int)BitConverter.ToInt64(good, 0)).TrimEnd();
        int dataLength = good.Length - 8 - (int)BitConverter.ToInt64(good, 0);
        json = json[..^1] + $",\"layers.3.weight\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[{dataLength},{dataLength + 4}]}}}}";
        byte[] data = new byte[dataLength + 4];
        good.AsSpan(good.Length - dataLength).CopyTo(data);
        AssertRejected(Handmade(json, data), "holds tensor \"layers.3.weight\", which LipGen.Tests.Networks.MoonsNet (2-32-32-1) does not have");
    }

    [Fact]
    public void Saving_replaces_the_file_atomically_and_leaves_no_temporary_files()
    {
        string path = PathOf("net.safetensors");
        NetworkFile.Save(new MoonsNet(), path);
        MoonsNet trained = Trained();
        NetworkFile.Save(trained, path);
        Assert.Equal(["net.safetensors"], Directory.GetFiles(_folder).Select(Path.GetFileName));
        var loaded = new MoonsNet();
        NetworkFile.Load(loaded, path);
        Assert.Equal(trained.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    [Fact]
    public void A_failed_save_keeps_the_old_file()
    {
        // The target is a folder, so the final move fails: the old content must stay, and no temporary file may remain.
        string blocked = PathOf("blocked");
        Directory.CreateDirectory(blocked);
        File.WriteAllText(Path.Combine(blocked, "keep.txt"), "old");
        Assert.ThrowsAny<IOException>(() => NetworkFile.Save(new MoonsNet(), blocked));
        Assert.Equal("old", File.ReadAllText(Path.Combine(blocked, "keep.txt")));
        Assert.Equal(["blocked"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName));
        var e = Assert.Throws<DirectoryNotFoundException>(() => NetworkFile.Save(new MoonsNet(), PathOf("missing/net.safetensors")));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Weights_trained_with_PyTorch_load_and_give_PyTorchs_outputs()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "TestData");
        var net = new PyTorchNet();
        NetworkFile.Load(net, Path.Combine(folder, "pytorch-sequential.safetensors"));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "pytorch-sequential-expected.json")));
        float[][] inputs = expected.RootElement.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        float[][] outputs = expected.RootElement.GetProperty("outputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        Assert.Equal(16, inputs.Length);
        var y = new float[2];
        for (int i = 0; i < inputs.Length; i++)
        {
            net.Forward(inputs[i], y);
            for (int k = 0; k < 2; k++)
                Assert.True(Math.Abs(y[k] - outputs[i][k]) <= 1e-5 * Math.Max(1, Math.Abs(outputs[i][k])), $"sample {i} output {k}: LipGen {y[k]}, PyTorch {outputs[i][k]}");
        }
    }
}

/// <summary>Random damage to a good file: loading either succeeds or throws NetworkFileException, never anything else.</summary>
public class NetworkFileFuzzTests
{
    [Fact]
    public void Damaged_files_never_escape_as_anything_but_NetworkFileException()
    {
        byte[] good = NetworkFile.Serialize(MoonsNet.Kernel.Description, new MoonsNet().Parameters);
        int headerEnd = 8 + (int)BitConverter.ToInt64(good, 0);
        var random = new SeededRandom(2026);
        int rejected = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] bytes = Damage(good, headerEnd, ref random);
            try
            {
                float[] loaded = NetworkFile.Deserialize(MoonsNet.Kernel.Description, bytes, "fuzzed");
                Assert.All(loaded, v => Assert.True(float.IsFinite(v))); // what loads is usable
            }
            catch (NetworkFileException)
            {
                rejected++; // any other exception type fails the test
            }
        }
        Assert.InRange(rejected, 500, 3000); // most damage is caught; some (a changed weight) is a valid file
    }

    [Fact]
    public void Deeply_nested_headers_are_rejected_not_a_stack_overflow()
    {
        string json = "{\"a\":" + new string('[', 200_000) + new string(']', 200_000) + "}";
        byte[] header = System.Text.Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(bytes, 8);
        var e = Assert.Throws<NetworkFileException>(() => NetworkFile.Deserialize(MoonsNet.Kernel.Description, bytes, "deep"));
        Assert.Contains("nesting deeper than 32 levels", e.Message);
    }

    private static byte[] Damage(byte[] good, int headerEnd, ref SeededRandom random)
    {
        byte[] bytes = (byte[])good.Clone();
        switch (random.NextInt(5))
        {
            case 0: // truncate anywhere
                return bytes[..random.NextInt(bytes.Length)];
            case 1: // flip bytes in the header
                for (int i = 0, n = 1 + random.NextInt(4); i < n; i++)
                    bytes[8 + random.NextInt(headerEnd - 8)] = (byte)random.NextInt(256);
                return bytes;
            case 2: // a random header length
                BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), random.NextUInt64() >> random.NextInt(64));
                return bytes;
            case 3: // flip bytes in the data (may make NaN or ∞, or just other weights)
                for (int i = 0, n = 1 + random.NextInt(8); i < n; i++)
                    bytes[headerEnd + random.NextInt(bytes.Length - headerEnd)] = (byte)random.NextInt(256);
                return bytes;
            default: // digits in the header changed: offsets and shapes that lie
                for (int i = 8; i < headerEnd; i++)
                    if (bytes[i] is >= (byte)'0' and <= (byte)'9' && random.NextDouble() < 0.05)
                        bytes[i] = (byte)('0' + random.NextInt(10));
                return bytes;
        }
    }
}
