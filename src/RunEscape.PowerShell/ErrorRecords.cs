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
        CapsuleErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        CapsuleErrorKind.PolicyRejected => ErrorCategory.SecurityError,
        CapsuleErrorKind.NotSupported => ErrorCategory.NotImplemented,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>PowerShell appends the command's type name to the id: TargetNotFound,RunEscape.PowerShell.Commands.InvokeCapsuleCommand.</summary>
    internal static ErrorRecord From(CapsuleException ex)
    {
        return new ErrorRecord(ex, ex.ErrorId, CategoryOf(ex.Kind), ex.Target)
        {
            ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = ex.RecommendedAction },
        };
    }
}
