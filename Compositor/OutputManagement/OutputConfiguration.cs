using Compositor.Backends;
using Compositor.Scene;
using Wayland.Protocols.Server;
using Wayland.Wire;

namespace Compositor.OutputManagement;

/// <summary>
/// zwlr_output_configuration_v1 and zwlr_output_configuration_head_v1: a client names every head
/// (enabled with the settings it wants, or disabled), then tests or applies the whole. Each
/// property may be set once per head; a configuration is used once; one made against an old serial
/// is cancelled. Every request of both interfaces is handled here.
/// </summary>
public sealed class OutputConfiguration(OutputManager manager, uint serial) : IZwlrOutputConfigurationV1Handler
{
    /// <summary>Each head named: its settings, or null for disable_head.</summary>
    private readonly Dictionary<SceneOutput, HeadSettings?> _heads = [];
    private bool _used;

    public void EnableHead(ZwlrOutputConfigurationV1 resource, ZwlrOutputConfigurationHeadV1 id, ZwlrOutputHeadV1 head)
    {
        var settings = new HeadSettings(head.Data as SceneOutput);
        id.Handler = settings;
        if (settings.Output is { } o && !Add(resource, head, o, settings)) return;
    }

    public void DisableHead(ZwlrOutputConfigurationV1 resource, ZwlrOutputHeadV1 head)
    {
        if (head.Data is SceneOutput o) Add(resource, head, o, null);
    }

    private bool Add(ZwlrOutputConfigurationV1 resource, ZwlrOutputHeadV1 head, SceneOutput o, HeadSettings? settings)
    {
        if (!_heads.TryAdd(o, settings))
        {
            resource.PostError(ZwlrOutputConfigurationV1.Error.AlreadyConfiguredHead, $"{head} is already in this configuration");
            return false;
        }
        return true;
    }

    public void Apply(ZwlrOutputConfigurationV1 resource) => Run(resource, apply: true);

    public void Test(ZwlrOutputConfigurationV1 resource) => Run(resource, apply: false);

    public void Destroy(ZwlrOutputConfigurationV1 resource) { }

    private void Run(ZwlrOutputConfigurationV1 resource, bool apply)
    {
        if (_used)
        {
            resource.PostError(ZwlrOutputConfigurationV1.Error.AlreadyUsed, $"{resource} was already applied or tested");
            return;
        }
        _used = true;
        var outputs = manager.Server.Scene.Outputs;
        foreach (var o in outputs)
            if (!_heads.ContainsKey(o))
            {
                resource.PostError(ZwlrOutputConfigurationV1.Error.UnconfiguredHead, $"{o.Output.Name} is neither enabled nor disabled in {resource}");
                return;
            }
        if (serial != manager.Serial)
        {
            resource.SendCancelled();
            return;
        }
        // Outputs gone since the client named them are left out: the serial check above caught any change.
        var log = manager.Server.Log;
        foreach (var (o, settings) in _heads)
        {
            var why = settings is null ? "turning an output off at run time is not supported yet" : settings.Why(o);
            if (why is null) continue;
            log.Information("Output configuration for {Output} refused: {Why}", o.Output.Name, why);
            resource.SendFailed();
            return;
        }
        if (apply)
            foreach (var (o, settings) in _heads)
                if (settings!.Mode is { } mode && mode != OutputManager.CurrentMode(o))
                {
                    if (!o.Output.TrySetMode(mode))
                    {
                        log.Information("Output {Output} cannot take the mode {Mode}", o.Output.Name, mode);
                        resource.SendFailed();
                        return;
                    }
                    log.Information("Output {Output} set to {Mode} by a client", o.Output.Name, mode);
                }
        resource.SendSucceeded();
    }
}

/// <summary>What a configuration asks of one head; each property once.</summary>
public sealed class HeadSettings(SceneOutput? output) : IZwlrOutputConfigurationHeadV1Handler
{
    /// <summary>Null when the head is gone (the configuration then cannot succeed: its serial is old).</summary>
    public SceneOutput? Output { get; } = output;
    public OutputMode? Mode { get; private set; }
    private (int X, int Y)? _position;
    private int? _transform;
    private double? _scale;

    /// <summary>Why this cannot be done, or null when it can.</summary>
    internal string? Why(SceneOutput o)
    {
        if (Mode is { } m && m != OutputManager.CurrentMode(o) && !o.Output.AcceptsCustomModes && !o.Output.Modes.Contains(m))
            return $"{o.Output.Name} has no mode {m}";
        if (_position is { } p && p != (o.X, o.Y)) return "moving an output at run time is not supported yet";
        if (_transform is { } t && t != o.Transform) return "turning an output at run time is not supported yet";
        if (_scale is { } s && Math.Abs(s - o.Scale) > 1.0 / 256) return "changing an output's scale at run time is not supported yet";
        return null;
    }

    private bool Once(ZwlrOutputConfigurationHeadV1 resource, bool isSet, string what)
    {
        if (!isSet) return true;
        resource.PostError(ZwlrOutputConfigurationHeadV1.Error.AlreadySet, $"{what} was already set for this head");
        return false;
    }

    public void SetMode(ZwlrOutputConfigurationHeadV1 resource, ZwlrOutputModeV1 mode)
    {
        if (!Once(resource, Mode is not null, "the mode")) return;
        if (mode.Data is not (SceneOutput owner, OutputMode m) || owner != Output)
        {
            // A mode of a head that went is no mode: refusing it is the serial check's job.
            if (mode.Data is null && Output is null) return;
            resource.PostError(ZwlrOutputConfigurationHeadV1.Error.InvalidMode, $"{mode} is not a mode of this head");
            return;
        }
        Mode = m;
    }

    public void SetCustomMode(ZwlrOutputConfigurationHeadV1 resource, int width, int height, int refresh)
    {
        if (!Once(resource, Mode is not null, "the mode")) return;
        if (width <= 0 || height <= 0 || refresh < 0)
        {
            resource.PostError(ZwlrOutputConfigurationHeadV1.Error.InvalidCustomMode, $"{width}x{height}@{refresh} mHz is not a mode");
            return;
        }
        // Refresh 0: any; the output keeps its own.
        Mode = new OutputMode(width, height, refresh != 0 ? refresh : Output?.Output.RefreshMilliHz ?? 60000);
    }

    public void SetPosition(ZwlrOutputConfigurationHeadV1 resource, int x, int y)
    {
        if (Once(resource, _position is not null, "the position")) _position = (x, y);
    }

    public void SetTransform(ZwlrOutputConfigurationHeadV1 resource, WlOutput.Transform transform)
    {
        if (!Once(resource, _transform is not null, "the transform")) return;
        if ((uint)transform > 7)
        {
            resource.PostError(ZwlrOutputConfigurationHeadV1.Error.InvalidTransform, $"{(int)transform} is not a wl_output.transform");
            return;
        }
        _transform = (int)transform;
    }

    public void SetScale(ZwlrOutputConfigurationHeadV1 resource, Fixed scale)
    {
        if (!Once(resource, _scale is not null, "the scale")) return;
        if (scale.ToDouble() <= 0)
        {
            resource.PostError(ZwlrOutputConfigurationHeadV1.Error.InvalidScale, $"{scale.ToDouble()} is not a scale");
            return;
        }
        _scale = scale.ToDouble();
    }
}
