using Vim.Generators.Helpers;

namespace Vim.Generators.Specs
{
    /// <summary>A containing type to re-declare around the generated partial: keyword (class, struct, record) and name.</summary>
    internal sealed record ContainingType(string Keyword, string Name);

    /// <summary>The declared type's namespace, name and the types it is nested in (outermost first).</summary>
    internal sealed record HierarchyInfo(string Namespace, string Name, string MetadataName, EquatableArray<ContainingType> ContainingTypes)
    {
        /// <summary>global::-qualified type name, usable from any generated file.</summary>
        public string GlobalName
        {
            get
            {
                var prefix = Namespace.Length == 0 ? "global::" : "global::" + Namespace + ".";
                foreach (var t in ContainingTypes) prefix += t.Name + ".";
                return prefix + Name;
            }
        }
    }
}
