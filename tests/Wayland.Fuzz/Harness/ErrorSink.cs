using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Wayland.Fuzz.Harness;

/// <summary>Remembers every Error or Fatal event the compositor core logs. A handler that throws is
/// caught by the dispatcher and logged as an error (the client gets an implementation error), so
/// for a fuzzer such an event is a crash that the runtime merely contained.</summary>
public sealed class ErrorSink : ILogEventSink
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void Emit(LogEvent e)
    {
        if (e.Level >= LogEventLevel.Error) _errors.Add($"{e.RenderMessage()}{Environment.NewLine}{e.Exception}");
    }

    public void Clear() => _errors.Clear();

    /// <summary>A logger that keeps errors here; warnings (protocol errors are logged as such) and below are dropped.</summary>
    public ILogger CreateLogger() =>
        new LoggerConfiguration().MinimumLevel.Error().WriteTo.Sink(this).CreateLogger();
}
