using Microsoft.CodeAnalysis;
using Vim.Generators.Helpers;

namespace Vim.Generators.Specs
{
    /// <summary>A diagnostic with its arguments already formatted, so it can flow through cached pipeline stages.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments)
        {
            var args = new string[arguments.Length];
            for (int i = 0; i < arguments.Length; i++)
            {
                args[i] = arguments[i] is System.IFormattable f
                    ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)
                    : arguments[i]?.ToString() ?? "";
            }
            return new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(args));
        }

        public Diagnostic ToDiagnostic(Compilation compilation)
        {
            var descriptor = Diagnostics.DiagnosticDescriptors.ById(Id);
            var args = new object[Arguments.Length];
            for (int i = 0; i < args.Length; i++) args[i] = Arguments[i];
            return Diagnostic.Create(descriptor, Location?.ToLocation(compilation), args);
        }
    }
}
