using System.Text;
using Vim.Testing;
using Xunit.Sdk;

namespace Vim.Runtime.Tests.Snapshots;

public sealed class SnapshotHelperTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vim-snap-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _env = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private SnapshotSettings Settings(string method = "M") => new()
    {
        Directory = _dir,
        ClassName = "C",
        MethodName = method,
        Environment = name => _env.GetValueOrDefault(name),
    };

    private static readonly (string, string)[] TwoFiles = [("B.g.cs", "class B {}\n"), ("A.g.cs", "class A {}")];

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Missing_snapshots_write_received_files_and_fail()
    {
        var ex = Assert.Throws<XunitException>(() => Snapshot.Verify("diag", TwoFiles, Settings()));
        Assert.Contains("Missing snapshot", ex.Message);
        Assert.True(File.Exists(P("C.M.received.txt")));
        Assert.True(File.Exists(P("C.M#A.g.received.cs")));
        Assert.True(File.Exists(P("C.M#B.g.received.cs")));
        Assert.False(File.Exists(P("C.M.verified.txt")));
    }

    [Fact]
    public void Files_are_utf8_bom_lf_without_trailing_newline_and_start_with_the_hint_name()
    {
        Assert.Throws<XunitException>(() => Snapshot.Verify("a\r\nb\n", TwoFiles, Settings()));
        byte[] bytes = File.ReadAllBytes(P("C.M#B.g.received.cs"));
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        Assert.Equal("//HintName: B.g.cs\nclass B {}", Encoding.UTF8.GetString(bytes[3..]));
        Assert.Equal("a\nb", Encoding.UTF8.GetString(File.ReadAllBytes(P("C.M.received.txt"))[3..]));
    }

    [Fact]
    public void Match_passes_and_deletes_stale_received_files()
    {
        Assert.Throws<XunitException>(() => Snapshot.Verify("diag", TwoFiles, Settings()));
        foreach (string f in Directory.GetFiles(_dir))
        {
            File.Copy(f, f.Replace(".received.", ".verified.", StringComparison.Ordinal));
        }
        Snapshot.Verify("diag", TwoFiles, Settings());
        Assert.Empty(Directory.GetFiles(_dir, "*.received.*"));
        Assert.Equal(3, Directory.GetFiles(_dir, "*.verified.*").Length);
    }

    [Fact]
    public void Mismatch_writes_received_and_fails_with_a_diff_naming_the_file()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(P("C.M.verified.txt"), "line1\nline2\nline3");
        var ex = Assert.Throws<XunitException>(() => Snapshot.Verify("line1\nchanged\nline3", null, Settings()));
        Assert.Contains(P("C.M.verified.txt"), ex.Message);
        Assert.Contains("-    2: line2", ex.Message);
        Assert.Contains("+    2: changed", ex.Message);
        Assert.DoesNotContain("line1", ex.Message);
        Assert.Equal("line1\nchanged\nline3", Snapshot.Normalize(File.ReadAllText(P("C.M.received.txt"))));
    }

    [Fact]
    public void Diff_is_limited_to_forty_changed_lines()
    {
        string a = string.Join("\n", Enumerable.Range(0, 100).Select(i => $"a{i}"));
        string b = string.Join("\n", Enumerable.Range(0, 100).Select(i => $"b{i}"));
        string diff = Snapshot.Diff(a, b);
        Assert.Equal(Snapshot.MaxDiffLines, diff.Split('\n').Count(l => l.StartsWith('-') || l.StartsWith('+')) - 2);
        Assert.Contains("160 more changed line(s)", diff);
    }

    [Fact]
    public void Bom_and_crlf_in_verified_files_are_tolerated()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(P("C.M.verified.txt"), "x\r\ny\r\n", new UTF8Encoding(true));
        File.WriteAllText(P("C.M#A.verified.cs"), "//HintName: A.cs\r\nclass A {}\r\n\r\n", new UTF8Encoding(false));
        Snapshot.Verify("x\ny", [("A.cs", "class A {}")], Settings());
    }

    [Fact]
    public void Accept_mode_writes_verified_in_place_without_failing()
    {
        _env[Snapshot.AcceptVariable] = "1";
        Snapshot.Verify("diag", TwoFiles, Settings());
        Assert.True(File.Exists(P("C.M.verified.txt")));
        Assert.True(File.Exists(P("C.M#A.g.verified.cs")));
        Assert.Empty(Directory.GetFiles(_dir, "*.received.*"));

        Snapshot.Verify("diag2", TwoFiles, Settings());
        Assert.Equal("diag2", Snapshot.Normalize(File.ReadAllText(P("C.M.verified.txt"))));
        _env.Remove(Snapshot.AcceptVariable);
        Snapshot.Verify("diag2", TwoFiles, Settings());
    }

    [Fact]
    public void Ci_ignores_accept_mode()
    {
        _env[Snapshot.AcceptVariable] = "1";
        _env[Snapshot.CiVariable] = "true";
        Assert.Throws<XunitException>(() => Snapshot.Verify("diag", TwoFiles, Settings()));
        Assert.False(File.Exists(P("C.M.verified.txt")));
        Assert.True(File.Exists(P("C.M.received.txt")));
        Assert.False(Snapshot.IsAcceptMode(_env.GetValueOrDefault));
        _env[Snapshot.CiVariable] = "";
        Assert.True(Snapshot.IsAcceptMode(_env.GetValueOrDefault));
    }

    [Fact]
    public void Empty_text_with_generated_files_writes_no_txt_but_plain_empty_text_does()
    {
        _env[Snapshot.AcceptVariable] = "1";
        Snapshot.Verify("", TwoFiles, Settings("Gen"));
        Assert.False(File.Exists(P("C.Gen.verified.txt")));
        Snapshot.Verify("", null, Settings("Plain"));
        Assert.True(File.Exists(P("C.Plain.verified.txt")));
    }

    [Fact]
    public void A_generated_file_no_longer_produced_fails_and_accept_deletes_it()
    {
        _env[Snapshot.AcceptVariable] = "1";
        Snapshot.Verify("", TwoFiles, Settings());
        _env.Remove(Snapshot.AcceptVariable);
        var ex = Assert.Throws<XunitException>(() => Snapshot.Verify("", [TwoFiles[1]], Settings()));
        Assert.Contains("C.M#B.g.verified.cs is no longer produced", ex.Message);
        _env[Snapshot.AcceptVariable] = "1";
        Snapshot.Verify("", [TwoFiles[1]], Settings());
        Assert.False(File.Exists(P("C.M#B.g.verified.cs")));
    }

    [Fact]
    public void Theory_parameters_are_appended_and_invalid_characters_replaced()
    {
        _env[Snapshot.AcceptVariable] = "1";
        var settings = Settings().UseParameter("path", "a/b:c").UseParameter("n", 3);
        Snapshot.Verify("", [("My<T>.g.cs", "x")], settings);
        Assert.True(File.Exists(P("C.M_path=a-b-c_n=3#My-T-.g.verified.cs")));
        Assert.Equal("C.M_x=1.5", Snapshot.BaseName("C", "M", [("x", "1.5")]));
        Assert.Equal("a-b-c-d-e-f-g-h-i", Snapshot.SanitizeFileName("a<b>c:d\"e/f\\g|h?i"));
    }

    [Fact]
    public void Scrubbers_apply_to_text_and_sources()
    {
        _env[Snapshot.AcceptVariable] = "1";
        var settings = Settings().ScrubValue("1.2.3", "{version}");
        Snapshot.Verify("v1.2.3", [("A.cs", "// 1.2.3")], settings);
        Assert.Equal("v{version}", Snapshot.Normalize(File.ReadAllText(P("C.M.verified.txt"))));
        Assert.Equal("//HintName: A.cs\n// {version}", Snapshot.Normalize(File.ReadAllText(P("C.M#A.verified.cs"))));
    }

    [Fact]
    public void Default_location_is_a_Snapshots_folder_beside_the_test_file_named_after_it()
    {
        string fakeSource = Path.Combine(_dir, "src", "MyTests.cs");
        _env[Snapshot.AcceptVariable] = "1";
        Snapshot.Verify("hello", null, new SnapshotSettings { Environment = _env.GetValueOrDefault }, fakeSource, "Case");
        Assert.True(File.Exists(Path.Combine(_dir, "src", "Snapshots", "MyTests.Case.verified.txt")));
    }

    [Fact]
    public void FindDangling_reports_verified_files_that_no_test_produced()
    {
        _env[Snapshot.AcceptVariable] = "1";
        Snapshot.Verify("", TwoFiles, Settings());
        File.WriteAllText(P("Old.Test.verified.txt"), "x");
        File.WriteAllText(P("Other.received.txt"), "x");
        Assert.Equal([P("Old.Test.verified.txt")], Snapshot.FindDangling(_dir));
        Assert.Equal([P("C.M#B.g.verified.cs"), P("Old.Test.verified.txt")],
            Snapshot.FindDangling(_dir, ["C.M#A.g.verified.cs"]));
        Assert.Empty(Snapshot.FindDangling(Path.Combine(_dir, "none"), []));
        var ex = Assert.Throws<XunitException>(() => Snapshot.ThrowIfDangling(_dir));
        Assert.Contains("Old.Test.verified.txt", ex.Message);
    }

    [Fact]
    public void ReceivedPath_maps_verified_names()
    {
        Assert.Equal(Path.Combine("d", "C.M#A.received.cs"), Snapshot.ReceivedPath(Path.Combine("d", "C.M#A.verified.cs")));
        Assert.Throws<ArgumentException>(() => Snapshot.ReceivedPath("x.txt"));
    }
}
