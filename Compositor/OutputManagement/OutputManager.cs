using Compositor.Backends;
using Compositor.Scene;
using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.OutputManagement;

/// <summary>
/// zwlr_output_manager_v1 (what wlr-randr, kanshi and wdisplays speak): every output as a head with
/// its modes, current mode, position, transform and scale, re-announced with a new serial whenever
/// one comes, goes or changes; a configuration quoting the current serial may switch modes (any
/// mode the backend lists, or any size on a virtual output). Moving, rescaling, turning or turning
/// off an output at run time is not supported yet: a configuration asking for it fails, as the
/// protocol lets a compositor answer. The manager's requests are handled here, the configuration's
/// in <see cref="OutputConfiguration"/>.
/// </summary>
public sealed class OutputManager : IZwlrOutputManagerV1Handler
{
    public const uint Version = 2;

    private readonly CompositorServer _server;
    private readonly List<Listener> _listeners = [];

    public OutputManager(CompositorServer server)
    {
        _server = server;
        server.Display.CreateGlobal<ZwlrOutputManagerV1>(Version, Bind);
    }

    /// <summary>The configuration serial: a configuration made before the last change is cancelled.</summary>
    public uint Serial { get; private set; }

    internal CompositorServer Server => _server;

    private void Bind(ZwlrOutputManagerV1 resource)
    {
        resource.Handler = this;
        var listener = new Listener(resource);
        _listeners.Add(listener);
        resource.Destroyed += _ => _listeners.Remove(listener);
        foreach (var o in _server.Scene.Outputs) listener.Announce(o);
        resource.SendDone(Serial);
    }

    /// <summary>An output came, went or changed: every client hears the difference and a new serial.</summary>
    public void OutputsChanged()
    {
        Serial = _server.Display.NextSerial();
        foreach (var l in _listeners)
        {
            l.Update(_server.Scene.Outputs);
            l.Resource.SendDone(Serial);
        }
    }

    public void CreateConfiguration(ZwlrOutputManagerV1 resource, ZwlrOutputConfigurationV1 id, uint serial) =>
        id.Handler = new OutputConfiguration(this, serial);

    public void Stop(ZwlrOutputManagerV1 resource)
    {
        _listeners.RemoveAll(l => l.Resource == resource);
        resource.SendFinished();
        resource.Destroy();
    }

    /// <summary>One bound manager and the heads and modes it was told of.</summary>
    private sealed class Listener(ZwlrOutputManagerV1 resource)
    {
        private readonly Dictionary<SceneOutput, Head> _heads = [];
        public ZwlrOutputManagerV1 Resource { get; } = resource;

        private sealed class Head(ZwlrOutputHeadV1 resource)
        {
            public ZwlrOutputHeadV1 Resource { get; } = resource;
            public Dictionary<OutputMode, ZwlrOutputModeV1> Modes { get; } = [];
            public OutputMode Current;
            public (int X, int Y) Position;
        }

        public void Announce(SceneOutput o)
        {
            var client = Resource.Client;
            var head = new Head(new ZwlrOutputHeadV1(client, 0, Resource.Version)) { Current = CurrentMode(o), Position = (o.X, o.Y) };
            head.Resource.Data = o;
            _heads[o] = head;
            Resource.SendHead(head.Resource);
            var output = o.Output;
            head.Resource.SendName(output.Name);
            head.Resource.SendDescription(output.Description);
            if (output.PhysicalWidthMm > 0 && output.PhysicalHeightMm > 0) head.Resource.SendPhysicalSize(output.PhysicalWidthMm, output.PhysicalHeightMm);
            foreach (var m in output.Modes) AddMode(head, o, m);
            if (!head.Modes.ContainsKey(head.Current)) AddMode(head, o, head.Current);
            head.Resource.SendEnabled(1);
            head.Resource.SendCurrentMode(head.Modes[head.Current]);
            head.Resource.SendPosition(o.X, o.Y);
            head.Resource.SendTransform((WlOutput.Transform)o.Transform);
            head.Resource.SendScale(Fixed.FromDouble(o.Scale));
            if (head.Resource.Version >= 2)
            {
                head.Resource.SendMake(output.Make);
                head.Resource.SendModel(output.Model);
            }
        }

        private static void AddMode(Head head, SceneOutput o, OutputMode m)
        {
            if (head.Modes.ContainsKey(m)) return;
            var mode = new ZwlrOutputModeV1(head.Resource.Client, 0, head.Resource.Version) { Data = (o, m) };
            head.Modes[m] = mode;
            head.Resource.SendMode(mode);
            mode.SendSize(m.Width, m.Height);
            mode.SendRefresh(m.RefreshMilliHz);
            if (m == o.Output.PreferredMode) mode.SendPreferred();
        }

        public void Update(IReadOnlyList<SceneOutput> outputs)
        {
            foreach (var (o, head) in _heads.ToArray())
            {
                if (outputs.Contains(o)) continue;
                foreach (var mode in head.Modes.Values) mode.SendFinished();
                head.Resource.SendFinished();
                head.Resource.Data = null;
                _heads.Remove(o);
            }
            foreach (var o in outputs)
            {
                if (!_heads.TryGetValue(o, out var head))
                {
                    Announce(o);
                    continue;
                }
                var current = CurrentMode(o);
                if (current != head.Current)
                {
                    AddMode(head, o, current);
                    head.Current = current;
                    head.Resource.SendCurrentMode(head.Modes[current]);
                }
                if ((o.X, o.Y) != head.Position)
                {
                    head.Position = (o.X, o.Y);
                    head.Resource.SendPosition(o.X, o.Y);
                }
            }
        }
    }

    internal static OutputMode CurrentMode(SceneOutput o) => new(o.Output.Width, o.Output.Height, o.Output.RefreshMilliHz);
}
