using Compositor.Backends;
using Compositor.Backends.Headless;
using Wayland.Events;

namespace Backends.Tests;

/// <summary>The headless backend: output configuration and its frame clock, on a real event loop.</summary>
public sealed class HeadlessTests
{
    [Theory]
    [InlineData("1280x720@60", 1280, 720, 60000)]
    [InlineData("640x480", 640, 480, 60000)]
    [InlineData("800x600@59.94", 800, 600, 59940)]
    public void ParsesModes(string text, int w, int h, int mhz) =>
        Assert.Equal(new OutputMode(w, h, mhz), OutputMode.Parse(text));

    [Theory]
    [InlineData("1280")]
    [InlineData("0x720")]
    [InlineData("1280x720@0")]
    [InlineData("axb")]
    [InlineData("99999x1")]
    public void RejectsBadModes(string text) =>
        Assert.Throws<ArgumentException>(() => OutputMode.Parse(text));

    private sealed class NoInput : IInputSink
    {
        public void KeyboardKey(uint timeMs, uint keycode, bool pressed) { }
        public void PointerMotionAbsolute(uint timeMs, IOutput output, double x, double y) { }
        public void PointerMotion(uint timeMs, double dx, double dy) { }
        public void PointerButton(uint timeMs, uint button, bool pressed) { }
        public void PointerAxis(uint timeMs, uint axis, double value, int discrete) { }
        public void PointerFrame() { }
    }

    [Fact]
    public void FramesComeOnlyWhenScheduledOnTheRefreshGrid()
    {
        using var loop = new EventLoop();
        using var backend = new HeadlessBackend(loop, [new OutputMode(64, 64, 100_000)], Serilog.Core.Logger.None);
        var added = new List<IOutput>();
        backend.OutputAdded += added.Add;
        backend.Start(new NoInput());
        var output = Assert.Single(added);
        Assert.Equal("HEADLESS-1", output.Name);

        var frames = 0;
        var presented = new List<PresentationTime>();
        output.Frame += o => { frames++; o.Present([]); };
        output.Presented += (_, t) => presented.Add(t);

        // Nothing scheduled: the loop sleeps through several refreshes without a frame.
        loop.Dispatch(50);
        Assert.Equal(0, frames);

        for (var i = 0; i < 5; i++)
        {
            output.ScheduleFrame();
            output.ScheduleFrame(); // twice before the refresh is still one frame
            var before = frames;
            while (frames == before) loop.Dispatch(100);
            Assert.Equal(before + 1, frames);
        }
        Assert.Equal(5, presented.Count);
        for (var i = 1; i < presented.Count; i++)
        {
            var gap = presented[i].MonotonicNanoseconds - presented[i - 1].MonotonicNanoseconds;
            Assert.True(gap > 0 && gap % 10_000_000 == 0, $"presentations {gap} ns apart, not a multiple of the 10 ms refresh");
            Assert.Equal(presented[i - 1].Sequence + (ulong)(gap / 10_000_000), presented[i].Sequence);
        }
        Assert.All(presented, p => Assert.Equal(10_000_000, p.RefreshNanoseconds));
    }
}
