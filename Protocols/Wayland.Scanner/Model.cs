using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Wayland.Scanner;

/// <summary>A protocol as read from its XML, before any C# naming.</summary>
internal sealed class ProtocolModel
{
    public string Name = "";
    public string Path = "";
    public List<InterfaceModel> Interfaces = new();
}

internal sealed class InterfaceModel
{
    public string Name = "";
    public uint Version;
    public string? Summary;
    public string Protocol = "";
    public List<MessageModel> Requests = new();
    public List<MessageModel> Events = new();
    public List<EnumModel> Enums = new();
    public Location Location = Location.None;
}

internal sealed class MessageModel
{
    public string Name = "";
    public uint Since = 1;
    public bool IsDestructor;
    public string? Summary;
    public List<ArgModel> Args = new();
    public Location Location = Location.None;
}

internal sealed class ArgModel
{
    public string Name = "";
    public string Type = "";
    public string? Interface;
    public bool AllowNull;
    public string? Enum;
    public string? Summary;
    public Location Location = Location.None;
}

internal sealed class EnumModel
{
    public string Name = "";
    public bool Bitfield;
    public string? Summary;
    public List<EntryModel> Entries = new();
}

internal sealed class EntryModel
{
    public string Name = "";
    public uint Value;
    public string? Summary;
    public uint Since = 1;
}
