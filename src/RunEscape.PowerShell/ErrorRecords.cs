using System.Management.Automation;

namespace RunEscape.PowerShell;

/// <summary>Turns engine exceptions into ErrorRecords with the right category, target and advice.</summary>
internal static class ErrorRecords
{
    internal static ErrorCategory CategoryOf(CapsuleErrorKind kind) => kind switch
    {
        CapsuleErrorKind.UtilityNotFound => ErrorCategory.ObjectNotFound,
        CapsuleErrorKind.TargetNotFound => ErrorCategory.ObjectNotFound,
        CapsuleErrorKind.CapsuleNotFound => ErrorCategory.ObjectNotFound,
        CapsuleErrorKind.ImageNotFound => ErrorCategory.ObjectNotFound,
        CapsuleErrorKind.TargetNotRunning => ErrorCategory.ResourceUnavailable,
        CapsuleErrorKind.EngineUnreachable => ErrorCategory.ConnectionError,
        CapsuleErrorKind.Timeout => ErrorCategory.OperationTimeout,
        CapsuleErrorKind.EngineRejected => ErrorCategory.InvalidOperation,
        CapsuleErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        _ => ErrorCategory.NotSpecified,
    };

    internal static ErrorRecord From(CapsuleException ex, string? commandName = null)
    {
        var id = commandName is null ? ex.ErrorId : ex.ErrorId + "," + commandName;
        return new ErrorRecord(ex, id, CategoryOf(ex.Kind), ex.Target)
        {
            ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = ex.RecommendedAction },
        };
    }
}
