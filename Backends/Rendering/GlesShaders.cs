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

    // NV12 from two images (Y as R8, CbCr as GR88: red is Cb, green is Cr), BT.601 limited range,
    // which is what EGL assumes for YUV DMA-BUFs without colour-space hints.
    public const string Nv12Planes = """
        precision mediump float;
        varying vec2 v_texcoord;
        uniform sampler2D tex;
        uniform sampler2D tex_uv;
        uniform float alpha;
        void main() {
            float y = (texture2D(tex, v_texcoord).r - 16.0 / 255.0) * (255.0 / 219.0);
            vec2 c = (texture2D(tex_uv, v_texcoord).rg - 128.0 / 255.0) * (255.0 / 224.0);
            vec3 rgb = vec3(y + 1.402 * c.y, y - 0.344136 * c.x - 0.714136 * c.y, y + 1.772 * c.x);
            gl_FragColor = vec4(clamp(rgb, 0.0, 1.0), 1.0) * alpha;
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
