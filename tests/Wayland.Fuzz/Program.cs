using SharpFuzz;
using Wayland.Fuzz;
using Wayland.Fuzz.Wire;

// wayland-fuzz COMMAND: the fuzzers' entry points (README.md, "Fuzzing", has the full commands).
//   afl                 the wire target under afl-fuzz (instrumented copies: scripts/fuzz-afl.sh)
//   replay PATH...      runs corpus files or folders through the wire target once each, without afl
//   seeds DIR           writes the wire target's seed corpus, generated from the protocol XML
//   protocol [options]  the protocol fuzzer against the compositor executable (--help)
return args.FirstOrDefault() switch
{
    "afl" => RunAfl(),
    "replay" => Replay(args[1..]),
    "seeds" => Seeds.Write(args.ElementAtOrDefault(1) ?? "corpus/wire"),
    "protocol" => Wayland.Fuzz.Protocol.ProtocolCommand.Run(args[1..]),
    _ => Usage(),
};

static int RunAfl()
{
    // Fuzzer.Run reads each input from stdin and reports an exception escaping the action as a crash.
    // Instrumented code writes to afl's coverage map, which exists only inside Fuzzer.Run: the target
    // (the compositor core) is made there, by the first input.
    WireTarget? target = null;
    var crashLog = Environment.GetEnvironmentVariable("WAYLAND_FUZZ_CRASH_LOG");
    Fuzzer.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target ??= new WireTarget();
        try
        {
            target.Run(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (Exception e) when (crashLog is not null)
        {
            // afl keeps the input but not the target's output: say why next to it.
            File.AppendAllText(crashLog, $"--- execution {target.Executions}, {buffer.Length} bytes, sha1 " +
                $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(buffer.ToArray()))}\n{e}\n");
            throw;
        }
    });
    target?.Dispose();
    return 0;
}

static int Replay(string[] paths)
{
    using var target = new WireTarget();
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p) : [p]).Order().ToList();
    var failed = 0;
    foreach (var file in files)
    {
        try
        {
            target.Run(File.ReadAllBytes(file));
            Console.WriteLine($"ok   {Path.GetFileName(file)}: {target.LastError ?? "no protocol error"}");
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"FAIL {file}: {e}");
        }
    }
    Console.WriteLine($"replayed {files.Count} input(s), {failed} failed");
    return failed == 0 ? 0 : 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: wayland-fuzz afl | replay PATH... | seeds DIR | protocol [--help]");
    return 2;
}
