using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Vim.Generators.Helpers;
using Vim.Generators.Specs;

namespace Vim.Generators.Parsing
{
    /// <summary>
    /// Typed access to an attribute's named arguments. A value of the wrong type (already a C# error) or one that
    /// failed to bind is treated as absent, so malformed source never makes the generator throw.
    /// </summary>
    internal sealed class AttributeArguments
    {
        private readonly Dictionary<string, TypedConstant> _named = new();
        private readonly AttributeSyntax? _syntax;

        public AttributeArguments(AttributeData data)
        {
            foreach (var pair in data.NamedArguments)
            {
                if (pair.Value.Kind != TypedConstantKind.Error) _named[pair.Key] = pair.Value;
            }
            Constructor = data.ConstructorArguments;
            _syntax = data.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax;
        }

        public System.Collections.Immutable.ImmutableArray<TypedConstant> Constructor { get; }

        public IEnumerable<string> Names => _named.Keys.OrderBy(n => n, System.StringComparer.Ordinal);

        public bool Has(string name) => _named.ContainsKey(name);

        public int Int(string name, int fallback) =>
            _named.TryGetValue(name, out var c) && c.Value is int i ? i : fallback;

        public double Double(string name, double fallback) =>
            _named.TryGetValue(name, out var c) ? c.Value switch
            {
                double d => d,
                float f => f,
                int i => i,
                _ => fallback,
            } : fallback;

        public bool Bool(string name, bool fallback) =>
            _named.TryGetValue(name, out var c) && c.Value is bool b ? b : fallback;

        public int Enum(string name, int fallback) =>
            _named.TryGetValue(name, out var c) && c.Kind == TypedConstantKind.Enum && c.Value is int i ? i : fallback;

        /// <summary>
        /// The first named argument that casts a number to an enum with no member of that value ((NormLayer)99), as
        /// its name, its value, the enum's name and the defined members; null when every enum argument is defined.
        /// </summary>
        public (string Name, object Value, string Enum, string Members)? UndefinedEnum()
        {
            foreach (var name in Names)
            {
                var c = _named[name];
                if (c.Kind != TypedConstantKind.Enum || c.Value is null || c.Type is not INamedTypeSymbol type) continue;
                var members = type.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).ToList();
                if (members.Any(f => Equals(f.ConstantValue, c.Value))) continue;
                return (name, c.Value, type.Name, string.Join(", ", members.Select(f => type.Name + "." + f.Name)));
            }
            return null;
        }

        public INamedTypeSymbol? Type(string name) =>
            _named.TryGetValue(name, out var c) && c.Kind == TypedConstantKind.Type ? c.Value as INamedTypeSymbol : null;

        public EquatableArray<string> Strings(string name)
        {
            if (!_named.TryGetValue(name, out var c) || c.Kind != TypedConstantKind.Array || c.IsNull) return EquatableArray<string>.Empty;
            return c.Values.Select(v => v.Value as string).Where(s => s is not null).Select(s => s!).ToEquatableArray();
        }

        public EquatableArray<double> Doubles(string name, params double[] fallback)
        {
            if (!_named.TryGetValue(name, out var c) || c.Kind != TypedConstantKind.Array || c.IsNull) return new EquatableArray<double>(fallback);
            return c.Values.Select(v => v.Value switch { double d => d, float f => f, int i => i, _ => double.NaN }).ToEquatableArray();
        }

        /// <summary>Where each named argument is written (e.g. <c>Depth = 23</c>), for diagnostics.</summary>
        public EquatableArray<ArgumentLocation> Locations()
        {
            var list = new List<ArgumentLocation>();
            if (_syntax?.ArgumentList is null) return EquatableArray<ArgumentLocation>.Empty;
            int positional = 0;
            foreach (var arg in _syntax.ArgumentList.Arguments)
            {
                string name = arg.NameEquals?.Name.Identifier.ValueText ?? (positional++ == 0 ? "Name" : "");
                var location = LocationInfo.From(arg);
                if (name.Length > 0 && location is not null) list.Add(new ArgumentLocation(name, location));
            }
            return list.ToEquatableArray();
        }

        public LocationInfo? AttributeLocation => LocationInfo.From(_syntax);

        /// <summary>Where argument <paramref name="name"/> is written, else the attribute (for diagnostics on the offending argument).</summary>
        public LocationInfo? LocationOf(string name) => ArgumentLocation.Find(Locations(), name, AttributeLocation);
    }
}
