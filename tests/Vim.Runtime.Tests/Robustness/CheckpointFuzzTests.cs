using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Vim.Runtime.Checkpoints;
using Vim.Runtime.Tensors;
using Vim.Runtime.Tests.Checkpoints;

namespace Vim.Runtime.Tests.Robustness;

/// <summary>
/// Bounded fuzzing of both checkpoint readers: each mutated file ends in a correct load or a
/// <see cref="CheckpointFormatException"/>, never another exception, never a hang, never an allocation the file's size cannot justify.
/// </summary>
public class CheckpointFuzzTests
{
    private const int CasesPerFormat = 6000;

    // A load may copy the file and materialise its tensors, so allocations scale with the file; a reader that
    // trusts a declared size would blow far past this.
    private static long AllocationBudget(int fileLength) => 64L * fileLength + (8 << 20);

    [Fact]
    public void MutatedSafetensors_LoadOrFailWithTheReadersOwnError()
    {
        byte[] valid = ValidSafetensors();
        Assert.Equal(6f, SafeTensors.Read(valid)["c"].Span[6]);
        var outcome = Fuzz(valid, CasesPerFormat, seed: 11, SafetensorsMutations(), bytes => SafeTensors.Read(bytes, "fuzz.safetensors"));
        TestContext.Current.TestOutputHelper?.WriteLine($"safetensors: {outcome}");
        Assert.True(outcome.Rejected > CasesPerFormat / 2, $"too few rejections to be exercising the checks: {outcome}");
    }

    [Fact]
    public void MutatedPth_LoadOrFailWithTheReadersOwnError()
    {
        byte[] valid = ValidPth();
        Assert.Equal(12f, PthReader.Read(valid)["c"].Span[6]); // offset 6 into storage 2
        var outcome = Fuzz(valid, CasesPerFormat, seed: 12, PthMutations(valid), bytes => PthReader.Read(bytes, sourceName: "fuzz.pth"));
        TestContext.Current.TestOutputHelper?.WriteLine($"pth: {outcome}");
        Assert.True(outcome.Rejected > CasesPerFormat / 2, $"too few rejections to be exercising the checks: {outcome}");
    }

    private sealed record Outcome(int Cases, int Loaded, int Rejected, TimeSpan Elapsed)
    {
        public override string ToString() => $"{Cases} cases, {Loaded} loaded, {Rejected} rejected, {Elapsed.TotalSeconds:F1} s";
    }

    private delegate byte[] Mutation(byte[] valid, Random random);

    private static Outcome Fuzz(byte[] valid, int cases, int seed, IReadOnlyList<(string Name, Mutation Apply)> mutations, Func<byte[], IReadOnlyDictionary<string, Tensor>> read)
    {
        var random = new Random(seed);
        int loaded = 0, rejected = 0;
        var total = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var (name, apply) = mutations[i % mutations.Count];
            byte[] bytes = apply(valid, random);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            try
            {
                var tensors = read(bytes);
                foreach (var t in tensors.Values) t.Dispose();
                loaded++;
            }
            catch (CheckpointFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} ({name}, {bytes.Length} bytes): {e.GetType().Name} instead of CheckpointFormatException: {e.Message}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= AllocationBudget(bytes.Length), $"case {i} ({name}): allocated {allocated:N0} bytes for a {bytes.Length:N0}-byte file");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"case {i} ({name}): took {watch.Elapsed.TotalSeconds:F1} s");
        }
        return new Outcome(cases, loaded, rejected, total.Elapsed);
    }

    private static IReadOnlyList<(string, Mutation)> CommonMutations() =>
    [
        ("truncate", (v, r) => v[..r.Next(v.Length)]),
        ("bit flips", (v, r) =>
        {
            var c = (byte[])v.Clone();
            for (int k = 0; k < 1 + r.Next(4); k++) c[r.Next(c.Length)] ^= (byte)(1 << r.Next(8));
            return c;
        }),
        ("random bytes", (v, r) =>
        {
            var c = (byte[])v.Clone();
            for (int k = 0; k < 1 + r.Next(8); k++) c[r.Next(c.Length)] = (byte)r.Next(256);
            return c;
        }),
        ("garbage appended", (v, r) => [.. v, .. Enumerable.Range(0, 1 + r.Next(64)).Select(_ => (byte)r.Next(256))]),
    ];

    private static IReadOnlyList<(string, Mutation)> SafetensorsMutations() =>
    [
        .. CommonMutations(),
        ("header length past the end", (v, r) =>
        {
            var c = (byte[])v.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(c, (ulong)(v.Length + 1 + r.Next(1 << 20)) * (ulong)(r.Next(2) == 0 ? 1 : 1_000_000_007));
            return c;
        }),
        ("number in header replaced", (v, r) => EditHeaderNumber(v, r, r.Next(4) switch
        {
            0 => "99999999999",
            1 => "-1",
            2 => r.Next(2048).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "4294967296",
        })),
        ("huge shape", (v, r) => EditHeaderNumber(v, r, "1099511627776")),
        ("deeply nested header", (v, r) =>
        {
            int depth = 100 + r.Next(5000);
            string json = new string('[', depth) + new string(']', depth);
            return WithHeader(v, json);
        }),
    ];

    private static IReadOnlyList<(string, Mutation)> PthMutations(byte[] valid) =>
    [
        .. CommonMutations(),
        ("pickle bytes flipped", (v, r) => PthBuilder.Replace(v, (name, data) =>
        {
            if (!name.EndsWith("data.pkl", StringComparison.Ordinal)) return null;
            var c = (byte[])data.Clone();
            for (int k = 0; k < 1 + r.Next(4); k++) c[r.Next(c.Length)] = (byte)r.Next(256);
            return c;
        })),
        ("deep pickle nesting", (v, r) => PthBuilder.Replace(v, (name, data) =>
            name.EndsWith("data.pkl", StringComparison.Ordinal) ? [0x80, 2, .. Enumerable.Repeat((byte)'(', 1000 + r.Next(100_000)), (byte)'.'] : null)),
        ("storage truncated", (v, r) => PthBuilder.Replace(v, (name, data) =>
            name.Contains("/data/", StringComparison.Ordinal) ? data[..r.Next(data.Length)] : null)),
        ("zip size fields lie", (v, r) => LieAboutSizes(v, r)),
        ("dict key of shared tuples", (v, r) => PthBuilder.Replace(v, (name, data) =>
        {
            if (!name.EndsWith("data.pkl", StringComparison.Ordinal)) return null;
            // (t, t) per level through the memo: 2^levels values to hash in a few bytes each.
            var p = new PickleBuilder().Proto(2).EmptyDict().EmptyTuple();
            for (int level = 0, levels = 1 + r.Next(99); level < levels; level++) p.Put(0).Get(0).Raw(0x86);
            return p.Int(1).SetItem().Stop().ToArray();
        })),
    ];

    /// <summary>Overwrites the compressed/uncompressed size fields of a random local or central zip header.</summary>
    private static byte[] LieAboutSizes(byte[] archive, Random random)
    {
        var c = (byte[])archive.Clone();
        var headers = new List<(int Offset, int SizeField)>();
        for (int i = 0; i + 4 <= c.Length; i++)
        {
            uint signature = BinaryPrimitives.ReadUInt32LittleEndian(c.AsSpan(i));
            if (signature == 0x04034b50 && i + 26 <= c.Length) headers.Add((i, 18));        // local file header
            else if (signature == 0x02014b50 && i + 28 <= c.Length) headers.Add((i, 20));   // central directory header
        }
        var (offset, field) = headers[random.Next(headers.Count)];
        uint lie = random.Next(3) switch { 0 => uint.MaxValue - 1, 1 => (uint)random.Next(), _ => (uint)random.Next(16) };
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(offset + field + 4 * random.Next(2)), lie);
        return c;
    }

    private static byte[] EditHeaderNumber(byte[] v, Random r, string replacement)
    {
        string header = HeaderOf(v);
        var numbers = System.Text.RegularExpressions.Regex.Matches(header, "[0-9]+").ToList();
        var pick = numbers[r.Next(numbers.Count)];
        return WithHeader(v, header[..pick.Index] + replacement + header[(pick.Index + pick.Length)..]);
    }

    private static string HeaderOf(byte[] v) => Encoding.UTF8.GetString(v, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(v));

    private static byte[] WithHeader(byte[] v, string header)
    {
        int oldLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(v);
        byte[] json = Encoding.UTF8.GetBytes(header);
        var c = new byte[8 + json.Length + v.Length - 8 - oldLength];
        BinaryPrimitives.WriteUInt64LittleEndian(c, (ulong)json.Length);
        json.CopyTo(c, 8);
        v.AsSpan(8 + oldLength).CopyTo(c.AsSpan(8 + json.Length));
        return c;
    }

    private static byte[] ValidSafetensors()
    {
        using var stream = new MemoryStream();
        SafeTensors.Save(stream,
        [
            new("a", Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3)),
            new("b.weight", Tensor.FromArray([7, 8, 9], 3)),
            new("c", Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 4)),
        ], new Dictionary<string, string> { ["format"] = "pt" });
        return stream.ToArray();
    }

    private static byte[] ValidPth()
    {
        // {'model': OrderedDict(a: (2, 3), b.weight: (3,), c: (2, 3, 4) viewing storage 0 with an offset)}
        var p = new PickleBuilder().Proto().EmptyDict().Str("model").OrderedDict().Mark();
        p.Str("a").Tensor("0", 6, 0, [2, 3], [3, 1]);
        p.Str("b.weight").Tensor("1", 3, 0, [3], [1]);
        p.Str("c").Tensor("2", 30, 6, [2, 3, 4], [12, 4, 1]);
        p.SetItems().SetItem().Stop();
        return PthBuilder.Zip("archive", p.ToArray(),
        [
            ("0", PthBuilder.Floats(1, 2, 3, 4, 5, 6)),
            ("1", PthBuilder.Floats(7, 8, 9)),
            ("2", PthBuilder.Floats(Enumerable.Range(0, 30).Select(i => (float)i).ToArray())),
        ]);
    }
}
