using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Vim.Generators.Diagnostics;
using Vim.Generators.Helpers;

namespace Vim.Generators.Graph
{
    /// <summary>
    /// Range checks both families share: VIM017 for rates, ratios and preprocessing constants outside what the official
    /// code can use, VIM018 for sizes so large that shape arithmetic would overflow.
    /// </summary>
    internal sealed class OptionChecks
    {
        /// <summary>Largest image side (as the runtime's images).</summary>
        public const int MaxImageSide = 1 << 15;

        private readonly System.Action<DiagnosticDescriptor, string, object[]> _report;

        public OptionChecks(System.Action<DiagnosticDescriptor, string, object[]> report) => _report = report;

        /// <summary>Whether every size checked so far is within its limit.</summary>
        public bool SizesOk { get; private set; } = true;

        /// <summary>VIM018 when <paramref name="value"/> exceeds <paramref name="limit"/>.</summary>
        public void AtMost(string argument, string name, long value, long limit)
        {
            if (value <= limit) return;
            _report(DiagnosticDescriptors.SizeTooLarge, argument, new object[] { name, value, limit });
            SizesOk = false;
        }

        /// <summary>VIM017 unless <paramref name="ok"/>; <paramref name="expected"/> completes "must be …".</summary>
        public void Require(string argument, string name, double value, bool ok, string expected)
        {
            if (!ok) _report(DiagnosticDescriptors.OptionOutOfRange, argument, new object[] { name, expected, Text(value) });
        }

        public void Rate(string argument, string name, double value) =>
            Require(argument, name, value, value >= 0 && value < 1, "at least 0 and below 1");

        public void Positive(string argument, string name, double value) =>
            Require(argument, name, value, value > 0 && !double.IsInfinity(value), "positive and finite");

        public void Finite(string argument, string name, double value) =>
            Require(argument, name, value, !double.IsNaN(value) && !double.IsInfinity(value), "finite");

        public void NonNegative(string argument, string name, double value) =>
            Require(argument, name, value, value >= 0 && !double.IsInfinity(value), "zero or positive, and finite");

        /// <summary>The eval transform's constants: a crop fraction in (0, 1], a mean and a positive std per channel.</summary>
        public void Preprocessing(EquatableArray<double> mean, EquatableArray<double> std, double cropPct, int channels)
        {
            Require("CropPct", "CropPct", cropPct, cropPct > 0 && cropPct <= 1, "above 0 and at most 1");
            if (channels > 0 && mean.Length != channels)
            {
                _report(DiagnosticDescriptors.OptionOutOfRange, "Mean", new object[] { "Mean", $"one value per input channel ({channels})", $"{mean.Length} values" });
            }
            if (channels > 0 && std.Length != channels)
            {
                _report(DiagnosticDescriptors.OptionOutOfRange, "Std", new object[] { "Std", $"one value per input channel ({channels})", $"{std.Length} values" });
            }
            for (int i = 0; i < mean.Length; i++)
            {
                Finite("Mean", $"Mean[{i}]", mean[i]);
            }
            for (int i = 0; i < std.Length; i++)
            {
                Positive("Std", $"Std[{i}]", std[i]);
            }
        }

        private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
