using System.Globalization;
using Vim.Runtime.Imaging;
using Vim.Runtime.Training;

namespace Vim.Cli;

/// <summary>
/// The PNG that <c>vim train</c> leaves beside its metrics: loss (training, validation) and accuracy (training, validation
/// top-1, EMA top-1) per epoch, in two panels with gridlines and labelled axes. Drawn directly into pixels with a 5×7 font,
/// so it needs no graphics library.
/// </summary>
internal static class TrainingPlot
{
    private const int Width = 1000, Height = 420, Scale = 2;
    private static readonly (byte R, byte G, byte B) Background = (255, 255, 255), Ink = (40, 40, 40), Grid = (225, 225, 225);
    private static readonly (byte R, byte G, byte B)[] Colours = [(31, 119, 180), (255, 127, 14), (44, 160, 44)];

    public static byte[] Render(IReadOnlyList<EpochReport> history, string title)
    {
        var canvas = new Canvas(Width, Height);
        canvas.Text(20, 10, title, Ink);
        var epochs = history.Select(h => (double)(h.Epoch + 1)).ToArray();
        var loss = new List<(string, double[])> { ("train loss", history.Select(h => h.TrainLoss).ToArray()) };
        if (history.Any(h => h.Validation is not null)) loss.Add(("val loss", history.Select(h => h.Validation?.Loss ?? double.NaN).ToArray()));
        var accuracy = new List<(string, double[])> { ("train acc", history.Select(h => 100 * h.TrainAccuracy).ToArray()) };
        if (history.Any(h => h.Validation is not null)) accuracy.Add(("val top-1", history.Select(h => 100 * (h.Validation?.Top1 ?? double.NaN)).ToArray()));
        if (history.Any(h => h.EmaValidation is not null)) accuracy.Add(("ema top-1", history.Select(h => 100 * (h.EmaValidation?.Top1 ?? double.NaN)).ToArray()));

        double maxLoss = loss.SelectMany(s => s.Item2).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        Panel(canvas, 70, 70, 400, 290, "loss", epochs, loss, 0, NiceCeiling(maxLoss * 1.05), "");
        double minAcc = accuracy.SelectMany(s => s.Item2).Where(double.IsFinite).DefaultIfEmpty(0).Min();
        Panel(canvas, 570, 70, 400, 290, "accuracy", epochs, accuracy, Math.Max(0, Math.Floor(minAcc / 10) * 10), 100, "%");
        return PngEncoder.Encode(canvas.ToImage());
    }

    private static void Panel(Canvas c, int x0, int y0, int w, int h, string name, double[] xs, List<(string Label, double[] Values)> series, double lo, double hi, string unit)
    {
        if (!(hi > lo)) hi = lo + 1;
        double xMax = Math.Max(2, xs.Length == 0 ? 2 : xs[^1]);
        int X(double e) => x0 + (int)Math.Round((e - 1) / (xMax - 1) * w);
        int Y(double v) => y0 + h - (int)Math.Round((v - lo) / (hi - lo) * h);

        // gridlines at round values: tens of percent where they give at most five steps
        int steps = unit == "%" && (hi - lo) % 10 == 0 && (hi - lo) <= 50 ? (int)((hi - lo) / 10) : 5;
        for (int k = 0; k <= steps; k++)
        {
            double v = lo + (hi - lo) * k / steps;
            int y = Y(v);
            c.Line(x0, y, x0 + w, y, Grid, 1);
            string label = v.ToString(hi - lo >= 5 ? "0" : "0.00", CultureInfo.InvariantCulture) + unit;
            c.Text(x0 - 8 - label.Length * 6, y - 3, label, Ink, scale: 1);
        }
        foreach (int e in EpochTicks((int)xMax))
        {
            int x = X(e);
            c.Line(x, y0 + h, x, y0 + h + 4, Ink, 1);
            string label = e.ToString(CultureInfo.InvariantCulture);
            c.Text(x - label.Length * 3, y0 + h + 8, label, Ink, scale: 1);
        }
        c.Line(x0, y0, x0, y0 + h, Ink, 1);
        c.Line(x0, y0 + h, x0 + w, y0 + h, Ink, 1);
        c.Text(x0 + w / 2 - 15, y0 + h + 24, "epoch", Ink, scale: 1);
        c.Text(x0, y0 - 20, name, Ink);

        for (int s = 0; s < series.Count; s++)
        {
            var colour = Colours[s % Colours.Length];
            var values = series[s].Values;
            for (int i = 0; i < values.Length; i++)
            {
                if (!double.IsFinite(values[i])) continue;
                int x = X(xs[i]), y = Y(Math.Clamp(values[i], lo, hi));
                c.Box(x - 2, y - 2, 5, 5, colour);
                if (i > 0 && double.IsFinite(values[i - 1])) c.Line(X(xs[i - 1]), Y(Math.Clamp(values[i - 1], lo, hi)), x, y, colour, 2);
            }
            // the legend sits in a row above the panel, beside its name, clear of the curves
            int lx = x0 + 130 + s * 95;
            c.Box(lx, y0 - 14, 14, 4, colour);
            c.Text(lx + 18, y0 - 17, series[s].Label, Ink, scale: 1);
        }
    }

    private static IEnumerable<int> EpochTicks(int last)
    {
        int step = Math.Max(1, (int)NiceCeiling(last / 8.0));
        yield return 1;
        for (int e = step; e <= last; e += step)
        {
            if (e > 1) yield return e;
        }
    }

    /// <summary>The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above <paramref name="v"/>.</summary>
    private static double NiceCeiling(double v)
    {
        if (!(v > 0)) return 1;
        double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (m * p >= v) return m * p;
        }
        return 10 * p;
    }

    private sealed class Canvas(int width, int height)
    {
        private readonly byte[] _rgb = Enumerable.Repeat(Background, width * height).SelectMany(c => new[] { c.R, c.G, c.B }).ToArray();

        public Image ToImage() => new(width, height, 3, _rgb);

        public void Set(int x, int y, (byte R, byte G, byte B) c)
        {
            if ((uint)x >= (uint)width || (uint)y >= (uint)height) return;
            int o = (y * width + x) * 3;
            (_rgb[o], _rgb[o + 1], _rgb[o + 2]) = c;
        }

        public void Box(int x, int y, int w, int h, (byte R, byte G, byte B) c)
        {
            for (int j = 0; j < h; j++)
            {
                for (int i = 0; i < w; i++) Set(x + i, y + j, c);
            }
        }

        /// <summary>Bresenham's line, <paramref name="thickness"/> pixels wide.</summary>
        public void Line(int x0, int y0, int x1, int y1, (byte R, byte G, byte B) c, int thickness)
        {
            int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
            while (true)
            {
                Box(x0, y0, thickness, thickness, c);
                if (x0 == x1 && y0 == y1) return;
                int e2 = 2 * err;
                if (e2 >= dy) { err += dy; x0 += sx; }
                if (e2 <= dx) { err += dx; y0 += sy; }
            }
        }

        public void Text(int x, int y, string text, (byte R, byte G, byte B) c, int scale = Scale)
        {
            foreach (char ch in text.ToLowerInvariant())
            {
                var rows = Font.Glyph(ch);
                for (int r = 0; r < 7; r++)
                {
                    for (int b = 0; b < 5; b++)
                    {
                        if ((rows[r] >> (4 - b) & 1) != 0) Box(x + b * scale, y + r * scale, scale, scale, c);
                    }
                }
                x += 6 * scale;
            }
        }
    }

    /// <summary>A 5×7 pixel font: seven rows per glyph, bit 4 the leftmost column.</summary>
    private static class Font
    {
        private static readonly Dictionary<char, byte[]> Glyphs = new()
        {
            ['0'] = [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E], ['1'] = [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
            ['2'] = [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F], ['3'] = [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
            ['4'] = [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02], ['5'] = [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
            ['6'] = [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E], ['7'] = [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
            ['8'] = [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E], ['9'] = [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
            ['a'] = [0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F], ['b'] = [0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E],
            ['c'] = [0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E], ['d'] = [0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F],
            ['e'] = [0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E], ['f'] = [0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08],
            ['g'] = [0x00, 0x00, 0x0F, 0x11, 0x0F, 0x01, 0x0E], ['h'] = [0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11],
            ['i'] = [0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E], ['j'] = [0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0C],
            ['k'] = [0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12], ['l'] = [0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
            ['m'] = [0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11], ['n'] = [0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11],
            ['o'] = [0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E], ['p'] = [0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10],
            ['q'] = [0x00, 0x00, 0x0D, 0x13, 0x0F, 0x01, 0x01], ['r'] = [0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10],
            ['s'] = [0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E], ['t'] = [0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06],
            ['u'] = [0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D], ['v'] = [0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04],
            ['w'] = [0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A], ['x'] = [0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11],
            ['y'] = [0x00, 0x00, 0x11, 0x11, 0x0F, 0x01, 0x0E], ['z'] = [0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F],
            ['.'] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C], ['%'] = [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
            ['-'] = [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00], ['_'] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F],
            [':'] = [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00], ['/'] = [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00],
            ['('] = [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02], [')'] = [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
            ['+'] = [0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00],
        };

        private static readonly byte[] Blank = new byte[7];

        public static byte[] Glyph(char c) => Glyphs.GetValueOrDefault(c, Blank);
    }
}
