namespace Vim.Generators
{
    /// <summary>Names of the pipeline stages, so tests can check that each one is cached.</summary>
    internal static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string BuildGraph = nameof(BuildGraph);
        public const string Diagnostics = nameof(Diagnostics);
        public const string Output = nameof(Output);
        public const string Catalog = nameof(Catalog);
        public const string Names = nameof(Names);
        public const string ParseBlock = nameof(ParseBlock);
        public const string ParseMixer = nameof(ParseMixer);
        public const string ParseMlp = nameof(ParseMlp);
    }
}
