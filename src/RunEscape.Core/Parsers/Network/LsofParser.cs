using System.Globalization;
using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>
/// Reads <c>lsof</c>'s table (default or <c>-n -P</c>; with or without a TID column). One
/// <see cref="LsofFile"/> per open file.
/// </summary>
/// <remarks>
/// lsof sizes its columns over the whole output and leaves cells empty (DEVICE, SIZE/OFF, NODE,
/// even TYPE), so a row is read against its header: each word goes to the header column it
/// overlaps most (nearest when none), and NAME is the rest of the row from where its header
/// starts. An Internet socket's name (<c>*:8080 (LISTEN)</c>,
/// <c>10.0.0.1:22-&gt;10.0.0.2:5000 (ESTABLISHED)</c>) is split into addresses, ports and state.
/// </remarks>
public sealed class LsofParser : IOutputParser
{
    public const string LsofVariant = "lsof";

    private static readonly ParserInfo SharedInfo = new(
        "lsof",
        "1.0.0",
        "lsof (default and -n -P): one LsofFile per open file; sockets split into addresses, ports and state.",
        new[] { LsofVariant },
        typeof(LsofFile),
        new[] { typeof(LsofFile) });

    public ParserInfo Info => SharedInfo;

    private enum Col
    {
        Command,
        Pid,
        Tid,
        TaskCmd,
        User,
        Fd,
        Type,
        Device,
        SizeOff,
        Size,
        Offset,
        Node,
        Name,
        Other,
    }

    private readonly record struct Column(Col Kind, int Start, int End);

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = ParserText.ForcedVariant(context, Info);
        var records = new List<CapsuleRecord>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        List<Column>? columns = null;
        var nameStart = -1;
        var position = 0;
        var lineNumber = 0;
        var lineStart = position;
        while (NetText.NextLine(text, ref position, out var line))
        {
            var start = lineStart;
            lineStart = position;
            lineNumber++;
            if (line.Trim().IsEmpty)
            {
                continue;
            }

            if (line.StartsWith("COMMAND", StringComparison.Ordinal))
            {
                columns = ReadHeader(line);
                nameStart = columns.FirstOrDefault(c => c.Kind == Col.Name).Start;
                continue;
            }

            var file = columns is null ? null : ReadRow(line, columns, nameStart);
            if (file is null)
            {
                context.Report(lineNumber, line.ToString(), columns is null ? "lsof row before its header" : "not an lsof row");
                continue;
            }

            file.SetSource(text, start, line.Length); // cut from the text only when read
            records.Add(file);
        }

        return records;
    }

    private static List<Column> ReadHeader(ReadOnlySpan<char> line)
    {
        var columns = new List<Column>();
        var p = 0;
        while (NetText.NextToken(line, ref p, out var word, out var start))
        {
            var kind = word switch
            {
                "COMMAND" => Col.Command,
                "PID" => Col.Pid,
                "TID" => Col.Tid,
                "TASKCMD" => Col.TaskCmd,
                "USER" => Col.User,
                "FD" => Col.Fd,
                "TYPE" => Col.Type,
                "DEVICE" => Col.Device,
                "SIZE/OFF" => Col.SizeOff,
                "SIZE" => Col.Size,
                "OFF" => Col.Offset,
                "NODE" => Col.Node,
                "NAME" => Col.Name,
                _ => Col.Other,
            };
            columns.Add(new Column(kind, start, p));
            if (kind == Col.Name)
            {
                break;
            }
        }

        return columns;
    }

    private static LsofFile? ReadRow(ReadOnlySpan<char> line, List<Column> columns, int nameStart)
    {
        var file = new LsofFile { Variant = LsofVariant };
        var commandStart = -1;
        var commandEnd = -1;
        var hasPid = false;
        var p = 0;
        while (NetText.NextToken(line, ref p, out var word, out var start))
        {
            if (nameStart >= 0 && start >= nameStart)
            {
                file.Name = line[start..].TrimEnd().ToString();
                break;
            }

            var kind = Assign(columns, start, p);
            switch (kind)
            {
                case Col.Command:
                    if (commandStart < 0)
                    {
                        commandStart = start;
                    }

                    commandEnd = p;
                    break;
                case Col.Pid:
                    if (!NetText.TryInt(word, out var pid))
                    {
                        return null;
                    }

                    file.PID = pid;
                    hasPid = true;
                    break;
                case Col.Tid: file.TID = NetText.IntOrNull(word); break;
                case Col.User: file.User = word.ToString(); break;
                case Col.Fd: file.FD = word.ToString(); break;
                case Col.Type: file.Type = word.ToString(); break;
                case Col.Device: file.Device = word.ToString(); break;
                case Col.SizeOff:
                case Col.Size:
                case Col.Offset:
                    ReadSizeOrOffset(word, file);
                    break;
                case Col.Node: file.Node = word.ToString(); break;
                case Col.Name:
                    file.Name = line[start..].TrimEnd().ToString();
                    p = line.Length;
                    break;
            }
        }

        if (!hasPid || commandStart < 0 || file.FD.Length == 0)
        {
            return null;
        }

        file.Command = line[commandStart..commandEnd].ToString();
        if (file.Node is "TCP" or "UDP" && (file.Type is "IPv4" or "IPv6"))
        {
            file.Protocol = file.Node;
            ReadSocketName(file);
        }

        return file;
    }

    /// <summary>The column whose header span the word overlaps most; the nearest one when it overlaps none.</summary>
    private static Col Assign(List<Column> columns, int start, int end)
    {
        var best = Col.Other;
        var bestScore = int.MinValue;
        foreach (var c in columns)
        {
            var overlap = Math.Min(end, c.End) - Math.Max(start, c.Start);
            var score = overlap > 0 ? overlap * 1000 : overlap; // negative: distance
            if (score > bestScore)
            {
                bestScore = score;
                best = c.Kind;
            }
        }

        return best;
    }

    private static void ReadSizeOrOffset(ReadOnlySpan<char> word, LsofFile file)
    {
        if (word.StartsWith("0t", StringComparison.Ordinal) && NetText.TryLong(word[2..], out var offset))
        {
            file.Offset = offset;
        }
        else if (word.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(word[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out offset))
        {
            file.Offset = offset;
        }
        else if (NetText.TryLong(word, out var size))
        {
            file.Size = size;
        }
    }

    /// <summary>"*:8080 (LISTEN)", "10.0.0.1:22-&gt;10.0.0.2:5000 (ESTABLISHED)", "[::1]:53".</summary>
    private static void ReadSocketName(LsofFile file)
    {
        var name = file.Name.AsSpan().Trim();
        var paren = name.LastIndexOf(" (", StringComparison.Ordinal);
        if (paren > 0 && name[^1] == ')')
        {
            file.State = name[(paren + 2)..^1].ToString();
            name = name[..paren];
        }

        var arrow = name.IndexOf("->", StringComparison.Ordinal);
        var local = arrow >= 0 ? name[..arrow] : name;
        NetText.SplitEndpoint(local, out var la, out var lp, out _, out _);
        file.LocalAddress = la;
        file.LocalPort = lp;
        if (arrow >= 0)
        {
            NetText.SplitEndpoint(name[(arrow + 2)..], out var ra, out var rp, out _, out _);
            file.RemoteAddress = ra;
            file.RemotePort = rp;
        }
    }
}
