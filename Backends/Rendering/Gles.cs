using System.Runtime.InteropServices;
using Compositor.Backends.Native;

namespace Compositor.Backends.Rendering;

/// <summary>
/// The GLES 2/3 entry points the renderer uses, loaded once through eglGetProcAddress: a small
/// function-pointer table instead of a binding package (none is available to us), so every call is
/// a direct unmanaged call without marshalling.
/// </summary>
internal sealed unsafe class Gles
{
    public const int Texture2D = 0x0DE1, TextureExternalOes = 0x8D65, Texture0 = 0x84C0;
    public const int TextureMinFilter = 0x2801, TextureMagFilter = 0x2800, TextureWrapS = 0x2802, TextureWrapT = 0x2803;
    public const int Linear = 0x2601, Nearest = 0x2600, ClampToEdge = 0x812F;
    public const int Rgba = 0x1908, BgraExt = 0x80E1, UnsignedByte = 0x1401, Rgba8 = 0x8058;
    public const int UnpackAlignment = 0x0CF5, UnpackRowLength = 0x0CF2, UnpackSkipPixels = 0x0CF4, UnpackSkipRows = 0x0CF3;
    public const int PackAlignment = 0x0D05, PackRowLength = 0x0D02;
    public const int Framebuffer = 0x8D40, ColorAttachment0 = 0x8CE0, FramebufferComplete = 0x8CD5;
    public const int ScissorTest = 0x0C11, Blend = 0x0BE2, One = 1, OneMinusSrcAlpha = 0x0303;
    public const int ColorBufferBit = 0x4000;
    public const int VertexShader = 0x8B31, FragmentShader = 0x8B30, CompileStatus = 0x8B81, LinkStatus = 0x8B82;
    public const int Float = 0x1406, TriangleStrip = 0x0005;
    public const int VendorName = 0x1F00, RendererName = 0x1F01, VersionName = 0x1F02, ExtensionsName = 0x1F03;

    public readonly delegate* unmanaged<int, nint> GetString;
    public readonly delegate* unmanaged<int> GetError;
    public readonly delegate* unmanaged<int, uint*, void> GenTextures;
    public readonly delegate* unmanaged<int, uint*, void> DeleteTextures;
    public readonly delegate* unmanaged<int, uint, void> BindTexture;
    public readonly delegate* unmanaged<int, void> ActiveTexture;
    public readonly delegate* unmanaged<int, int, int, void> TexParameteri;
    public readonly delegate* unmanaged<int, int, int, int, int, int, int, int, void*, void> TexImage2D;
    public readonly delegate* unmanaged<int, int, int, int, int, int, int, int, void*, void> TexSubImage2D;
    public readonly delegate* unmanaged<int, int, void> PixelStorei;
    public readonly delegate* unmanaged<int, uint*, void> GenFramebuffers;
    public readonly delegate* unmanaged<int, uint*, void> DeleteFramebuffers;
    public readonly delegate* unmanaged<int, uint, void> BindFramebuffer;
    public readonly delegate* unmanaged<int, int, int, uint, int, void> FramebufferTexture2D;
    public readonly delegate* unmanaged<int, int> CheckFramebufferStatus;
    public readonly delegate* unmanaged<int, int, int, int, void> Viewport;
    public readonly delegate* unmanaged<int, int, int, int, void> Scissor;
    public readonly delegate* unmanaged<int, void> Enable;
    public readonly delegate* unmanaged<int, void> Disable;
    public readonly delegate* unmanaged<int, int, void> BlendFunc;
    public readonly delegate* unmanaged<float, float, float, float, void> ClearColor;
    public readonly delegate* unmanaged<int, void> Clear;
    public readonly delegate* unmanaged<int, uint> CreateShader;
    public readonly delegate* unmanaged<uint, int, byte**, int*, void> ShaderSource;
    public readonly delegate* unmanaged<uint, void> CompileShader;
    public readonly delegate* unmanaged<uint, int, int*, void> GetShaderiv;
    public readonly delegate* unmanaged<uint, int, int*, byte*, void> GetShaderInfoLog;
    public readonly delegate* unmanaged<uint, void> DeleteShader;
    public readonly delegate* unmanaged<uint> CreateProgram;
    public readonly delegate* unmanaged<uint, uint, void> AttachShader;
    public readonly delegate* unmanaged<uint, uint, byte*, void> BindAttribLocation;
    public readonly delegate* unmanaged<uint, void> LinkProgram;
    public readonly delegate* unmanaged<uint, int, int*, void> GetProgramiv;
    public readonly delegate* unmanaged<uint, int, int*, byte*, void> GetProgramInfoLog;
    public readonly delegate* unmanaged<uint, void> DeleteProgram;
    public readonly delegate* unmanaged<uint, void> UseProgram;
    public readonly delegate* unmanaged<uint, byte*, int> GetUniformLocation;
    public readonly delegate* unmanaged<int, int, void> Uniform1i;
    public readonly delegate* unmanaged<int, float, void> Uniform1f;
    public readonly delegate* unmanaged<int, float, float, float, float, void> Uniform4f;
    public readonly delegate* unmanaged<uint, int, int, byte, int, void*, void> VertexAttribPointer;
    public readonly delegate* unmanaged<uint, void> EnableVertexAttribArray;
    public readonly delegate* unmanaged<int, int, int, void> DrawArrays;
    public readonly delegate* unmanaged<int, int, int, int, int, int, void*, void> ReadPixels;
    public readonly delegate* unmanaged<void> Finish;
    public readonly delegate* unmanaged<void> Flush;
    public readonly delegate* unmanaged<int, nint, void> EglImageTargetTexture2DOes;

    public Gles()
    {
        GetString = (delegate* unmanaged<int, nint>)Load("glGetString");
        GetError = (delegate* unmanaged<int>)Load("glGetError");
        GenTextures = (delegate* unmanaged<int, uint*, void>)Load("glGenTextures");
        DeleteTextures = (delegate* unmanaged<int, uint*, void>)Load("glDeleteTextures");
        BindTexture = (delegate* unmanaged<int, uint, void>)Load("glBindTexture");
        ActiveTexture = (delegate* unmanaged<int, void>)Load("glActiveTexture");
        TexParameteri = (delegate* unmanaged<int, int, int, void>)Load("glTexParameteri");
        TexImage2D = (delegate* unmanaged<int, int, int, int, int, int, int, int, void*, void>)Load("glTexImage2D");
        TexSubImage2D = (delegate* unmanaged<int, int, int, int, int, int, int, int, void*, void>)Load("glTexSubImage2D");
        PixelStorei = (delegate* unmanaged<int, int, void>)Load("glPixelStorei");
        GenFramebuffers = (delegate* unmanaged<int, uint*, void>)Load("glGenFramebuffers");
        DeleteFramebuffers = (delegate* unmanaged<int, uint*, void>)Load("glDeleteFramebuffers");
        BindFramebuffer = (delegate* unmanaged<int, uint, void>)Load("glBindFramebuffer");
        FramebufferTexture2D = (delegate* unmanaged<int, int, int, uint, int, void>)Load("glFramebufferTexture2D");
        CheckFramebufferStatus = (delegate* unmanaged<int, int>)Load("glCheckFramebufferStatus");
        Viewport = (delegate* unmanaged<int, int, int, int, void>)Load("glViewport");
        Scissor = (delegate* unmanaged<int, int, int, int, void>)Load("glScissor");
        Enable = (delegate* unmanaged<int, void>)Load("glEnable");
        Disable = (delegate* unmanaged<int, void>)Load("glDisable");
        BlendFunc = (delegate* unmanaged<int, int, void>)Load("glBlendFunc");
        ClearColor = (delegate* unmanaged<float, float, float, float, void>)Load("glClearColor");
        Clear = (delegate* unmanaged<int, void>)Load("glClear");
        CreateShader = (delegate* unmanaged<int, uint>)Load("glCreateShader");
        ShaderSource = (delegate* unmanaged<uint, int, byte**, int*, void>)Load("glShaderSource");
        CompileShader = (delegate* unmanaged<uint, void>)Load("glCompileShader");
        GetShaderiv = (delegate* unmanaged<uint, int, int*, void>)Load("glGetShaderiv");
        GetShaderInfoLog = (delegate* unmanaged<uint, int, int*, byte*, void>)Load("glGetShaderInfoLog");
        DeleteShader = (delegate* unmanaged<uint, void>)Load("glDeleteShader");
        CreateProgram = (delegate* unmanaged<uint>)Load("glCreateProgram");
        AttachShader = (delegate* unmanaged<uint, uint, void>)Load("glAttachShader");
        BindAttribLocation = (delegate* unmanaged<uint, uint, byte*, void>)Load("glBindAttribLocation");
        LinkProgram = (delegate* unmanaged<uint, void>)Load("glLinkProgram");
        GetProgramiv = (delegate* unmanaged<uint, int, int*, void>)Load("glGetProgramiv");
        GetProgramInfoLog = (delegate* unmanaged<uint, int, int*, byte*, void>)Load("glGetProgramInfoLog");
        DeleteProgram = (delegate* unmanaged<uint, void>)Load("glDeleteProgram");
        UseProgram = (delegate* unmanaged<uint, void>)Load("glUseProgram");
        GetUniformLocation = (delegate* unmanaged<uint, byte*, int>)Load("glGetUniformLocation");
        Uniform1i = (delegate* unmanaged<int, int, void>)Load("glUniform1i");
        Uniform1f = (delegate* unmanaged<int, float, void>)Load("glUniform1f");
        Uniform4f = (delegate* unmanaged<int, float, float, float, float, void>)Load("glUniform4f");
        VertexAttribPointer = (delegate* unmanaged<uint, int, int, byte, int, void*, void>)Load("glVertexAttribPointer");
        EnableVertexAttribArray = (delegate* unmanaged<uint, void>)Load("glEnableVertexAttribArray");
        DrawArrays = (delegate* unmanaged<int, int, int, void>)Load("glDrawArrays");
        ReadPixels = (delegate* unmanaged<int, int, int, int, int, int, void*, void>)Load("glReadPixels");
        Finish = (delegate* unmanaged<void>)Load("glFinish");
        Flush = (delegate* unmanaged<void>)Load("glFlush");
        EglImageTargetTexture2DOes = (delegate* unmanaged<int, nint, void>)Egl.GetProcAddress("glEGLImageTargetTexture2DOES");
    }

    private static nint Load(string name)
    {
        var p = Egl.GetProcAddress(name);
        return p != 0 ? p : throw new EglException($"GLES function {name} is missing");
    }

    public string String(int name) => Marshal.PtrToStringUTF8(GetString(name)) ?? "";
}
