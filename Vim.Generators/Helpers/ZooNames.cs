using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Vim.Generators.Helpers
{
    /// <summary>
    /// The registry names and aliases the runtime's own zoo (Vim.Runtime.Zoo, both families) already takes, read from the
    /// referenced Vim.Runtime assembly, so that a declaration reusing one is VIM002 at compile time rather than a
    /// registration error when the program starts.
    /// </summary>
    internal static class ZooNames
    {
        private static readonly string[] Attributes = { "Vim.Dsl.VisionMambaAttribute", "Vim.Dsl.VMambaAttribute" };

        public static EquatableArray<ZooName> Read(Compilation compilation)
        {
            var runtime = compilation.SourceModule.ReferencedAssemblySymbols.FirstOrDefault(a => a.Name == "Vim.Runtime");
            if (runtime is null) return EquatableArray<ZooName>.Empty;
            INamespaceSymbol? zoo = runtime.GlobalNamespace;
            foreach (var part in new[] { "Vim", "Runtime", "Zoo" })
            {
                zoo = zoo?.GetNamespaceMembers().FirstOrDefault(n => n.Name == part);
            }
            if (zoo is null) return EquatableArray<ZooName>.Empty;
            var names = new List<ZooName>();
            foreach (var type in zoo.GetTypeMembers())
            {
                foreach (var attribute in type.GetAttributes())
                {
                    if (!Attributes.Contains(attribute.AttributeClass?.ToDisplayString())) continue;
                    if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string name) continue;
                    string owner = type.ToDisplayString() + " (a zoo model of Vim.Runtime)";
                    names.Add(new ZooName(name, owner));
                    foreach (var pair in attribute.NamedArguments)
                    {
                        if (pair.Key != "Aliases" || pair.Value.Kind != TypedConstantKind.Array || pair.Value.IsNull) continue;
                        foreach (var alias in pair.Value.Values)
                        {
                            if (alias.Value is string a) names.Add(new ZooName(a, owner));
                        }
                    }
                }
            }
            return names.OrderBy(n => n.Name, System.StringComparer.Ordinal).ToEquatableArray();
        }
    }

    /// <summary>A name the zoo registers, and which model registers it.</summary>
    internal sealed record ZooName(string Name, string Owner);
}
