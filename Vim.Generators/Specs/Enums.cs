namespace Vim.Generators.Specs
{
    // Mirrors of the Vim.Dsl enums (same numeric values): the generator reads attribute values as numbers
    // and must not reference the DSL assembly.

    internal enum BimambaKind
    {
        None = 0,
        V1 = 1,
        V2 = 2,
    }

    internal enum PoolKind
    {
        None = 0,
        Mean = 1,
        Max = 2,
        All = 3,
    }

    internal enum DtInitKind
    {
        Random = 0,
        Constant = 1,
    }

    /// <summary>Where the cls token(s) sit, after upstream's precedence (double over middle over head).</summary>
    internal enum ClsPlacement
    {
        None,
        Head,
        Middle,
        Double,
    }
}
