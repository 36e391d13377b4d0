namespace Vim.Runtime.Training.Data;

/// <summary>A view of some examples of another dataset.</summary>
public sealed class SubsetDataset(Dataset source, int[] indices) : Dataset
{
    /// <summary>The dataset the view reads.</summary>
    public Dataset Source { get; } = source ?? throw new ArgumentNullException(nameof(source));

    /// <summary>The source indices of the view's examples.</summary>
    public IReadOnlyList<int> Indices { get; } = indices ?? throw new ArgumentNullException(nameof(indices));

    /// <inheritdoc/>
    public override int Count => Indices.Count;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Classes => Source.Classes;

    /// <inheritdoc/>
    public override int LabelOf(int index) => Source.LabelOf(Indices[index]);

    /// <inheritdoc/>
    public override DataSample Read(int index) => Source.Read(Indices[index]);
}

/// <summary>Seeded splits of a dataset.</summary>
public static class Split
{
    /// <summary>
    /// A stratified split: from each class, a seeded ⌈fraction · count⌉ of its examples (at least one when the class has two or
    /// more) go to the validation part; both parts keep the dataset's order.
    /// </summary>
    public static (SubsetDataset Train, SubsetDataset Validation) Stratified(Dataset dataset, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"The validation fraction {fraction} must be between 0 and 1.");
        var random = new Random(seed);
        var validation = new HashSet<int>();
        for (int label = 0; label < dataset.Classes.Count; label++)
        {
            var members = Enumerable.Range(0, dataset.Count).Where(i => dataset.LabelOf(i) == label).ToArray();
            random.Shuffle(members);
            int take = members.Length < 2 ? 0 : Math.Max(1, (int)Math.Ceiling(fraction * members.Length));
            foreach (int i in members.Take(take)) validation.Add(i);
        }
        var all = Enumerable.Range(0, dataset.Count);
        return (new SubsetDataset(dataset, all.Where(i => !validation.Contains(i)).ToArray()), new SubsetDataset(dataset, all.Where(validation.Contains).ToArray()));
    }
}
