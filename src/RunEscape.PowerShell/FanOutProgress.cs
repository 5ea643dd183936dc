using System.Management.Automation;

namespace RunEscape.PowerShell;

/// <summary>Write-Progress for a fan-out: shown once more than one target is involved, completed at the end.</summary>
internal sealed class FanOutProgress
{
    private const int ActivityId = 0x52E5;
    private readonly ICapsuleOutput _output;
    private readonly string _activity;
    private bool _shown;

    internal FanOutProgress(ICapsuleOutput output, string utility)
    {
        _output = output;
        _activity = $"Invoke-Capsule {utility}";
    }

    /// <param name="done">Targets finished.</param>
    /// <param name="seen">Targets known so far (pipeline input may still bring more).</param>
    /// <param name="running">Capsules in flight.</param>
    /// <param name="current">The target that just started or finished.</param>
    internal void Update(int done, int seen, int running, string? current)
    {
        if (seen < 2)
        {
            return;
        }

        _shown = true;
        var record = new ProgressRecord(ActivityId, _activity, $"{done} of {seen} targets done, {running} running")
        {
            PercentComplete = Math.Clamp(done * 100 / seen, 0, 100),
        };
        if (current is not null)
        {
            record.CurrentOperation = current;
        }

        _output.Progress(record);
    }

    internal void Complete()
    {
        if (_shown)
        {
            _output.Progress(new ProgressRecord(ActivityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
            _shown = false;
        }
    }
}
