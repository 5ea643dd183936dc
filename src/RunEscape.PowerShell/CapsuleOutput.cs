using System.Management.Automation;

namespace RunEscape.PowerShell;

/// <summary>
/// Where Invoke-Capsule's results go: the pipeline (on the pipeline thread) or, with -AsJob,
/// the job's streams. The code that turns a capsule result into output writes to this only.
/// </summary>
internal interface ICapsuleOutput
{
    void Object(object value);

    void Error(ErrorRecord record);

    void Warning(string message);

    void Information(object data, string[] tags);

    void Verbose(string message);

    void Progress(ProgressRecord record);
}

/// <summary>The cmdlet's own streams; call only on the pipeline thread.</summary>
internal sealed class CmdletOutput : ICapsuleOutput
{
    private readonly Cmdlet _cmdlet;

    internal CmdletOutput(Cmdlet cmdlet) => _cmdlet = cmdlet;

    public void Object(object value) => _cmdlet.WriteObject(value);

    public void Error(ErrorRecord record) => _cmdlet.WriteError(record);

    public void Warning(string message) => _cmdlet.WriteWarning(message);

    public void Information(object data, string[] tags) => _cmdlet.WriteInformation(data, tags);

    public void Verbose(string message) => _cmdlet.WriteVerbose(message);

    public void Progress(ProgressRecord record) => _cmdlet.WriteProgress(record);
}

/// <summary>A job's streams (thread-safe collections Receive-Job reads).</summary>
internal sealed class JobOutput : ICapsuleOutput
{
    private readonly Job _job;
    private readonly string _source;

    internal JobOutput(Job job, string source)
    {
        _job = job;
        _source = source;
    }

    public void Object(object value) => _job.Output.Add(PSObject.AsPSObject(value));

    public void Error(ErrorRecord record) => _job.Error.Add(record);

    public void Warning(string message) => _job.Warning.Add(new WarningRecord(message));

    public void Information(object data, string[] tags)
    {
        var record = new InformationRecord(data, _source);
        foreach (var tag in tags)
        {
            record.Tags.Add(tag);
        }

        _job.Information.Add(record);
    }

    public void Verbose(string message) => _job.Verbose.Add(new VerboseRecord(message));

    public void Progress(ProgressRecord record) => _job.Progress.Add(record);
}
