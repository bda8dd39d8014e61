namespace Wayland.Fuzz.Harness;

/// <summary>An oracle failed: what afl and the tests count as a crash.</summary>
public sealed class FuzzFailure(string message) : Exception(message);
