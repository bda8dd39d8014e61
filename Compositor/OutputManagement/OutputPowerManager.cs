using Compositor.Scene;
using Wayland.Protocols.Server;

namespace Compositor.OutputManagement;

/// <summary>
/// zwlr_output_power_manager_v1 (what wlopm and swayidle's "output off" commands speak): turning a
/// screen off and on. Every power object of an output hears each change of its mode; a backend that
/// cannot change it, an output that went away or one already gone when asked, gets <c>failed</c>,
/// and that object is inert from then on. Both interfaces' requests are handled here.
/// </summary>
public sealed class OutputPowerManager : IZwlrOutputPowerManagerV1Handler
{
    public const uint Version = 1;

    private readonly CompositorServer _server;
    private readonly Dictionary<SceneOutput, List<Power>> _byOutput = [];

    public OutputPowerManager(CompositorServer server)
    {
        _server = server;
        server.Display.CreateGlobal<ZwlrOutputPowerManagerV1>(Version, r => r.Handler = this);
    }

    public void GetOutputPower(ZwlrOutputPowerManagerV1 resource, ZwlrOutputPowerV1 id, WlOutput output)
    {
        var power = new Power(this, id, output.Data as SceneOutput);
        id.Handler = power;
        if (power.Output is not { } o || !_server.Scene.Outputs.Contains(o))
        {
            power.Fail();
            return;
        }
        if (!_byOutput.TryGetValue(o, out var list)) _byOutput[o] = list = [];
        list.Add(power);
        id.Destroyed += _ => Forget(power);
        id.SendMode(o.Output.PoweredOn ? ZwlrOutputPowerV1.Mode.On : ZwlrOutputPowerV1.Mode.Off);
    }

    public void Destroy(ZwlrOutputPowerManagerV1 resource) { }

    /// <summary>The output went: its power objects fail (they are inert from then on).</summary>
    internal void OutputRemoved(SceneOutput output)
    {
        if (!_byOutput.Remove(output, out var list)) return;
        foreach (var p in list) p.Fail();
    }

    private void Forget(Power p)
    {
        if (p.Output is { } o && _byOutput.TryGetValue(o, out var list)) list.Remove(p);
    }

    private void SetMode(Power p, ZwlrOutputPowerV1.Mode mode)
    {
        var o = p.Output!;
        var on = mode == ZwlrOutputPowerV1.Mode.On;
        if (o.Output.PoweredOn == on)
        {
            p.Resource.SendMode(mode);
            return;
        }
        if (!o.Output.TrySetPower(on))
        {
            _server.Log.Information("Output {Output} cannot be turned {State} on the {Backend} backend", o.Output.Name, on ? "on" : "off", _server.Backend.Name);
            Forget(p);
            p.Fail();
            return;
        }
        _server.Log.Information("Output {Output} turned {State}", o.Output.Name, on ? "on" : "off");
        // Lit again: everything on it is drawn anew (what was there before it went dark is gone from a real screen).
        if (on) _server.Scene.DamageAll();
        if (_byOutput.TryGetValue(o, out var list))
            foreach (var other in list) other.Resource.SendMode(mode);
    }

    /// <summary>One client's power control of one output (zwlr_output_power_v1).</summary>
    private sealed class Power(OutputPowerManager manager, ZwlrOutputPowerV1 resource, SceneOutput? output) : IZwlrOutputPowerV1Handler
    {
        public ZwlrOutputPowerV1 Resource { get; } = resource;
        public SceneOutput? Output { get; private set; } = output;

        public void SetMode(ZwlrOutputPowerV1 resource, ZwlrOutputPowerV1.Mode mode)
        {
            if (mode is not (ZwlrOutputPowerV1.Mode.On or ZwlrOutputPowerV1.Mode.Off))
            {
                resource.PostError(ZwlrOutputPowerV1.Error.InvalidMode, $"{(uint)mode} is not a zwlr_output_power_v1.mode");
                return;
            }
            if (Output is null) return; // failed already: inert
            manager.SetMode(this, mode);
        }

        public void Destroy(ZwlrOutputPowerV1 resource) { }

        public void Fail()
        {
            Output = null;
            if (!Resource.IsDestroyed) Resource.SendFailed();
        }
    }
}
