using Compositor.Backends;
using Compositor.Backends.Headless;
using Compositor.Tests.Harness;
using Wayland.Events;
using Wayland.Protocols.Client;

namespace Compositor.Tests;

/// <summary>zwlr_output_power_manager_v1: a screen turned off and on, every power object of it told,
/// failed where the backend cannot or the output went, its error; and the headless output's frame
/// clock stopping while it is off. (No Debian program speaks it: wlopm is not in bookworm.)</summary>
public sealed class OutputPowerTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(640, 480);

    public void Dispose() => _compositor.Dispose();

    private sealed class PowerClient
    {
        public PowerClient(InProcessCompositor compositor)
        {
            Test = compositor.Connect();
            Manager = Test.Bind<ZwlrOutputPowerManagerV1>("zwlr_output_power_manager_v1", 1);
            Output = Test.Bind<WlOutput>("wl_output", 4);
            Test.Roundtrip();
        }

        public TestClient Test { get; }
        public ZwlrOutputPowerManagerV1 Manager { get; }
        public WlOutput Output { get; }

        public (ZwlrOutputPowerV1 Power, List<string> Events) Get(WlOutput? output = null)
        {
            var power = Manager.GetOutputPower(output ?? Output);
            var events = new List<string>();
            power.ModeEvent += (_, mode) => events.Add(mode.ToString());
            power.Failed += _ => events.Add("failed");
            Test.Roundtrip();
            return (power, events);
        }
    }

    [Fact]
    public void TurningAScreenOffAndOnTellsEveryPowerObjectOfIt()
    {
        var a = new PowerClient(_compositor);
        var b = new PowerClient(_compositor);
        var (power, events) = a.Get();
        var (_, otherEvents) = b.Get();
        Assert.Equal(["On"], events); // the current mode, at once
        Assert.Equal(["On"], otherEvents);

        power.SetMode(ZwlrOutputPowerV1.Mode.Off);
        a.Test.Roundtrip();
        b.Test.Roundtrip();
        Assert.False(_compositor.Backend.Output!.PoweredOn);
        Assert.Equal(["On", "Off"], events);
        Assert.Equal(["On", "Off"], otherEvents);

        power.SetMode(ZwlrOutputPowerV1.Mode.On);
        a.Test.Roundtrip();
        b.Test.Roundtrip();
        Assert.True(_compositor.Backend.Output!.PoweredOn);
        Assert.Equal(["On", "Off", "On"], otherEvents);
        Assert.Null(a.Test.ErrorAfterRoundtrip());
    }

    [Fact]
    public void ABackendThatCannotGetsFailedAndTheObjectIsInert()
    {
        _compositor.Backend.Output!.CanPowerOff = false;
        var c = new PowerClient(_compositor);
        var (power, events) = c.Get();
        power.SetMode(ZwlrOutputPowerV1.Mode.Off);
        c.Test.Roundtrip();
        Assert.Equal(["On", "failed"], events);
        _compositor.Backend.Output!.CanPowerOff = true;
        power.SetMode(ZwlrOutputPowerV1.Mode.Off); // inert after failed: nothing happens
        c.Test.Roundtrip();
        Assert.True(_compositor.Backend.Output!.PoweredOn);
        Assert.Equal(["On", "failed"], events);
        Assert.Null(c.Test.ErrorAfterRoundtrip());
    }

    [Fact]
    public void AnUnpluggedOutputsPowerObjectsFailAndSoDoNewOnes()
    {
        var second = new InProcessCompositor.TestOutput(320, 240, name: "TEST-2");
        _compositor.Backend.Plug(second);
        var c = new PowerClient(_compositor);
        WlOutput? secondOutput = null;
        var registry = c.Test.Display.GetRegistry();
        registry.Global += (_, name, iface, _) => { if (iface == "wl_output") secondOutput = registry.Bind<WlOutput>(name, 4); };
        c.Test.Roundtrip();
        var (_, events) = c.Get(secondOutput);
        Assert.Equal(["On"], events);
        _compositor.Backend.Unplug(second);
        c.Test.Roundtrip();
        Assert.Equal(["On", "failed"], events);
        var (_, late) = c.Get(secondOutput);
        Assert.Equal(["failed"], late);
        Assert.Null(c.Test.ErrorAfterRoundtrip());
    }

    [Fact]
    public void AModeThatIsNotOneIsInvalidMode()
    {
        var c = new PowerClient(_compositor);
        var (power, _) = c.Get();
        power.SetMode((ZwlrOutputPowerV1.Mode)7);
        var error = c.Test.ErrorAfterRoundtrip();
        Assert.Equal(("zwlr_output_power_v1", (uint)ZwlrOutputPowerV1.Error.InvalidMode), (error?.Interface, error?.Code));
        Assert.True(_compositor.Backend.Output!.PoweredOn);
    }

    [Fact]
    public void AHeadlessOutputThatIsOffRaisesNoFramesUntilItIsOnAgain()
    {
        using var loop = new EventLoop();
        using var backend = new HeadlessBackend(loop, [new OutputMode(64, 64, 60_000)], InProcessCompositor.Logger, drawEveryFrame: false, renderNode: null, renderer: Backends.Rendering.RendererKind.Pixman);
        backend.Start(new NoInput());
        var output = backend.Outputs[0];
        var frames = 0;
        output.Frame += _ => frames++;
        output.ScheduleFrame();
        Pump(loop, 100);
        Assert.Equal(1, frames);

        Assert.True(output.TrySetPower(false));
        Assert.False(output.PoweredOn);
        output.ScheduleFrame();
        Pump(loop, 150);
        Assert.Equal(1, frames); // dark: the frame asked for waits

        Assert.True(output.TrySetPower(true));
        Pump(loop, 100);
        Assert.Equal(2, frames); // and comes once it is lit
    }

    private static void Pump(EventLoop loop, int ms)
    {
        var end = Environment.TickCount64 + ms;
        while (Environment.TickCount64 < end) loop.Dispatch(10);
    }

    private sealed class NoInput : IInputSink
    {
        public void KeyboardKey(uint timeMs, uint keycode, bool pressed) { }
        public void PointerMotion(uint timeMs, double dx, double dy) { }
        public void PointerMotionAbsolute(uint timeMs, IOutput output, double x, double y) { }
        public void PointerButton(uint timeMs, uint button, bool pressed) { }
        public void PointerAxis(uint timeMs, uint axis, double value, int discrete) { }
        public void PointerFrame() { }
    }
}
