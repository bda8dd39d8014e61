namespace Compositor.Backends.Rendering;

/// <summary>The renderer's GLSL ES 1.00 programs: textured quads (2D and external) and solid fills.
/// Positions arrive in normalized device coordinates; colours are premultiplied.</summary>
internal static class GlesShaders
{
    public const string Vertex = """
        attribute vec2 position;
        attribute vec2 texcoord;
        varying vec2 v_texcoord;
        void main() {
            gl_Position = vec4(position, 0.0, 1.0);
            v_texcoord = texcoord;
        }
        """;

    // opaque > 0.5: an X format, whose alpha byte means nothing.
    public const string Texture = """
        precision mediump float;
        varying vec2 v_texcoord;
        uniform sampler2D tex;
        uniform float alpha;
        uniform float opaque;
        void main() {
            vec4 c = texture2D(tex, v_texcoord);
            if (opaque > 0.5) c.a = 1.0;
            gl_FragColor = c * alpha;
        }
        """;

    // Full opacity: a plain copy. Mesa's llvmpipe recognises a shader this simple and runs it on its
    // fast linear path; the general shader above costs several times more per pixel.
    public const string CopyTexture = """
        precision mediump float;
        varying vec2 v_texcoord;
        uniform sampler2D tex;
        void main() {
            gl_FragColor = texture2D(tex, v_texcoord);
        }
        """;

    public const string ExternalTexture = """
        #extension GL_OES_EGL_image_external : require
        precision mediump float;
        varying vec2 v_texcoord;
        uniform samplerExternalOES tex;
        uniform float alpha;
        uniform float opaque;
        void main() {
            vec4 c = texture2D(tex, v_texcoord);
            if (opaque > 0.5) c.a = 1.0;
            gl_FragColor = c * alpha;
        }
        """;

    public const string Solid = """
        precision mediump float;
        uniform vec4 color;
        void main() {
            gl_FragColor = color;
        }
        """;
}
