using LipGen.Data;
using Microsoft.Data.Analysis;

namespace LipGen.Tests;

/// <summary>The DataFrame adapter (package LipGen.DataFrame): named columns in, a Dataset out, bad cells named.</summary>
public class DataFrameTests
{
    private static DataFrame Frame() => new(
        new PrimitiveDataFrameColumn<double>("income", [1.5, 2.5, 3.5]),
        new PrimitiveDataFrameColumn<int>("age", [30, 40, 50]),
        new StringDataFrameColumn("city", ["a", "b", "c"]),
        new PrimitiveDataFrameColumn<float>("label", [1f, -1f, 1f]));

    [Fact]
    public void Named_columns_become_inputs_and_targets_in_order()
    {
        Dataset data = Frame().ToDataset(["age", "income"], ["label"]);
        Assert.Equal(3, data.Count);
        Assert.Equal([30f, 1.5f, 40f, 2.5f, 50f, 3.5f], data.Inputs.ToArray());
        Assert.Equal([1f, -1f, 1f], data.Targets.ToArray());
    }

    [Fact]
    public void A_CSV_file_loads_through_the_DataFrame()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lipgen-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "x1,x2,note,y\n0.5,1,first,1\n-0.25,2,second,-1\n");
        try
        {
            Dataset data = DataFrameDataset.LoadCsv(path, ["x1", "x2"], ["y"]);
            Assert.Equal([0.5f, 1f, -0.25f, 2f], data.Inputs.ToArray());
            Assert.Equal([1f, -1f], data.Targets.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_and_non_numeric_values_are_named_by_row_and_column()
    {
        DataFrame frame = Frame();
        Assert.Contains("Row 0, column 'city': \"a\" is not a number", Assert.Throws<ArgumentException>(() => frame.ToDataset(["city"], ["label"])).Message);
        frame.Columns["income"][1] = null;
        Assert.Contains("Row 1, column 'income': the value is missing", Assert.Throws<ArgumentException>(() => frame.ToDataset(["income"], ["label"])).Message);
        frame.Columns["age"][2] = null;
        Assert.Contains("Row 2, column 'age'", Assert.Throws<ArgumentException>(() => frame.ToDataset(["age"], ["label"])).Message);
        Assert.Contains("no column 'height'; its columns are 'income', 'age', 'city', 'label'",
            Assert.Throws<ArgumentException>(() => frame.ToDataset(["height"], ["label"])).Message);
        var infinite = new DataFrame(new PrimitiveDataFrameColumn<double>("x", [double.PositiveInfinity]), new PrimitiveDataFrameColumn<double>("y", [1]));
        Assert.Contains("Row 0, column 'x'", Assert.Throws<ArgumentException>(() => infinite.ToDataset(["x"], ["y"])).Message);
    }
}
