using System;
using System.Globalization;
using System.Text;

namespace Vim.Generators.Emit
{
    /// <summary>An indenting text writer for generated C#; braces open and close indentation levels.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _text = new();
        private int _indent;

        public SourceWriter Line(string line = "")
        {
            if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
            _text.Append('\n');
            return this;
        }

        public SourceWriter Open(string line)
        {
            if (line.Length > 0) Line(line);
            Line("{");
            _indent++;
            return this;
        }

        public SourceWriter Close(string suffix = "")
        {
            _indent--;
            return Line("}" + suffix);
        }

        public override string ToString() => _text.ToString();

        // Invariant culture: a fi-FI machine would otherwise print U+2212 as the minus sign into generated code.
        public static string Float(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

        public static string Double(double value)
        {
            string text = value.ToString("R", CultureInfo.InvariantCulture);
            return text.IndexOfAny(new[] { '.', 'E', 'N', 'I' }) >= 0 ? text : text + ".0";
        }

        public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

        public static string Bool(bool value) => value ? "true" : "false";

        public static string Literal(string value)
        {
            var sb = new StringBuilder("\"");
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    default:
                        if (c < ' ') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            return sb.Append('"').ToString();
        }

        public static string XmlEscape(string value) =>
            value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        public static string Version => typeof(SourceWriter).Assembly.GetName().Version?.ToString() ?? "1.0.0.0";

        public static string GeneratedCode => $"[global::System.CodeDom.Compiler.GeneratedCode(\"Vim.Generators\", \"{Version}\")]";

    }
}
