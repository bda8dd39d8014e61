using Compositor.Config;

namespace Compositor.Tests;

/// <summary>The config file: what each section reads, and that every bad line is an error naming
/// its line while the rest of the file still applies.</summary>
public sealed class ConfigTests
{
    private static CompositorConfig Parse(string text) => CompositorConfig.Parse(text, "test.ini");

    [Fact]
    public void EverySectionReadsItsKeys()
    {
        var c = Parse("""
            # comment
            [keyboard]
            layout = de
            variant = nodeadkeys
            options = ctrl:nocaps
            model = pc105
            repeat-rate = 40
            repeat-delay = 250

            [cursor]
            theme = Adwaita
            size = 32

            [output Virtual-1]
            mode = 1024x768@60
            position = 1920,0
            scale = 1.5
            transform = flipped-90

            [windows]
            drag-modifier = Alt
            """);
        Assert.Empty(c.Errors);
        Assert.Equal(new KeyboardConfig { Layout = "de", Variant = "nodeadkeys", Options = "ctrl:nocaps", Model = "pc105", RepeatRate = 40, RepeatDelay = 250 }, c.Keyboard);
        Assert.Equal(new CursorConfig { Theme = "Adwaita", Size = 32 }, c.Cursor);
        var o = c.Outputs["Virtual-1"];
        Assert.Equal((1024, 768, 60_000), (o.Mode!.Value.Width, o.Mode.Value.Height, o.Mode.Value.RefreshMilliHz));
        Assert.Equal((1920, 0), o.Position);
        Assert.Equal(1.5, o.Scale);
        Assert.Equal(5, o.Transform);
        Assert.Equal(ModifierMask.Alt, c.DragModifier);
    }

    [Theory]
    [InlineData("[keyboard]\nrepeat-rate = fast", 2, "repeat-rate is a whole number from 0 to 1000, not 'fast'")]
    [InlineData("[keyboard]\nrepeat-delay = -5", 2, "repeat-delay is a whole number from 0 to 10000")]
    [InlineData("[keyboard]\nlayuot = de", 2, "unknown key 'layuot' in [keyboard]")]
    [InlineData("[cursor]\nsize = 2", 2, "size is a whole number from 8 to 512")]
    [InlineData("\n[output]\nscale = 2", 3, "[output] needs the output's name")]
    [InlineData("[output A]\nmode = big", 2, "output mode 'big' is not WIDTHxHEIGHT[@HZ]")]
    [InlineData("[output A]\nposition = left", 2, "position is X,Y in layout pixels")]
    [InlineData("[output A]\nscale = 0", 2, "scale is a number from 0.25 to 10")]
    [InlineData("[output A]\ntransform = 45", 2, "transform is one of normal, 90, 180, 270, flipped")]
    [InlineData("[bindings]\nHyper+x = close", 2, "'Hyper' in 'Hyper+x' is not a modifier")]
    [InlineData("[bindings]\nSuper+NoSuchKey = close", 2, "'NoSuchKey' in 'Super+NoSuchKey' is not an XKB key name")]
    [InlineData("[bindings]\nSuper+x = explode", 2, "unknown action 'explode'")]
    [InlineData("[bindings]\nSuper+x = launch", 2, "launch needs a command")]
    [InlineData("[bindings]\nSuper+x = vt 99", 2, "vt needs a console number from 1 to 63, not '99'")]
    [InlineData("[bindings]\nSuper+x = close now", 2, "close takes no argument, not 'now'")]
    [InlineData("[windows]\ndrag-modifier = Meta", 2, "drag-modifier is a modifier")]
    [InlineData("[nosuch]\na = b", 2, "unknown section [nosuch]")]
    [InlineData("[input-method]\ncommand = x", 2, "unknown key 'command' in [input-method] (path)")]
    [InlineData("layout = de", 1, "'layout' is outside any [section]")]
    [InlineData("[keyboard]\njust words", 2, "expected 'key = value', not 'just words'")]
    [InlineData("[keyboard\nlayout = de", 1, "a section header is [name] or [name argument]")]
    [InlineData("[keyboard]\n = de", 2, "a key is missing before '='")]
    public void ABadLineIsAnErrorNamingItsLineAndTheDefaultStays(string text, int line, string message)
    {
        var c = Parse(text + "\n[keyboard]\nlayout = fr\n");
        var error = Assert.Single(c.Errors);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message);
        Assert.StartsWith($"test.ini:{line}: ", error.ToString());
        // The good lines after the bad one still apply; the bad value kept its default.
        Assert.Equal("fr", c.Keyboard.Layout);
        Assert.Equal(25, c.Keyboard.RepeatRate);
        Assert.Equal(600, c.Keyboard.RepeatDelay);
    }

    [Fact]
    public void InputMethodPathIsReadAndUnsetByDefault()
    {
        Assert.Null(CompositorConfig.Default().InputMethodPath);
        var c = Parse("[input-method]\npath = /usr/lib/x86_64-linux-gnu/weston-keyboard\n");
        Assert.Empty(c.Errors);
        Assert.Equal("/usr/lib/x86_64-linux-gnu/weston-keyboard", c.InputMethodPath);
    }

    [Fact]
    public void BindingsAddToTheDefaultsReplaceAChordAndNoneRemovesOne()
    {
        var defaults = CompositorConfig.Default().Bindings;
        Assert.Contains(defaults, b => b.Action == BindingAction.Launch && b.Argument == "foot");
        Assert.Contains(defaults, b => b.Action == BindingAction.Quit);
        Assert.Equal(12, defaults.Count(b => b.Action == BindingAction.SwitchVt));

        var c = Parse("""
            [bindings]
            super+RETURN = launch weston-terminal
            Ctrl+Alt+BackSpace = none
            Super+Shift+e = quit
            Alt+Tab = cycle-fokus
            """);
        // The typo is an error, and Alt+Tab keeps its default.
        Assert.Contains("unknown action 'cycle-fokus'", Assert.Single(c.Errors).Message);
        KeyChord.TryParse("Alt+Tab", out var altTab, out _);
        Assert.Equal(BindingAction.CycleFocus, Assert.Single(c.Bindings, b => b.Chord == altTab).Action);
        KeyChord.TryParse("Super+Return", out var enter, out _);
        Assert.Equal("weston-terminal", Assert.Single(c.Bindings, b => b.Chord == enter).Argument);
        var quit = Assert.Single(c.Bindings, b => b.Action == BindingAction.Quit);
        Assert.Equal(ModifierMask.Super | ModifierMask.Shift, quit.Chord.Modifiers);
        Assert.Equal(defaults.Count, c.Bindings.Count);
    }

    [Fact]
    public void AMissingDefaultFileIsNoErrorButAMissingNamedOneIs()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"cfg-{Guid.NewGuid():N}");
        string? Env(string name) => name == "XDG_CONFIG_HOME" ? dir : null;
        try
        {
            Assert.Equal(Path.Combine(dir, "compositor", "compositor.ini"), CompositorConfig.DefaultPath(Env));
            Assert.Equal("/home/u/.config/compositor/compositor.ini", CompositorConfig.DefaultPath(n => n == "HOME" ? "/home/u" : null));
            Assert.Empty(CompositorConfig.Load(null, InProcessCompositorLogger, Env).Errors);
            var named = CompositorConfig.Load(Path.Combine(dir, "nope.ini"), InProcessCompositorLogger);
            Assert.Contains("cannot read it", Assert.Single(named.Errors).Message);
            Directory.CreateDirectory(Path.Combine(dir, "compositor"));
            File.WriteAllText(CompositorConfig.DefaultPath(Env), "[keyboard]\nlayout = se\n");
            Assert.Equal("se", CompositorConfig.Load(null, InProcessCompositorLogger, Env).Keyboard.Layout);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static Serilog.ILogger InProcessCompositorLogger => Harness.InProcessCompositor.Logger;
}
