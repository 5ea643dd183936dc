# Restarts a container engine the way it is running, for the engine-restart fault tests.
#   - a systemd unit (the engine's cgroup names a .service and systemd is PID 1's manager): systemctl restart;
#   - otherwise: SIGTERM (SIGKILL after -StopTimeoutSec), then the same command line from
#     /proc/<pid>/cmdline, with the same environment and working directory, relaunched detached
#     (setsid) with its output appended to a log file.
# Then waits until GET /_ping answers on the socket again.
# Restarting dockerd without live-restore kills every container on it; restarting the Podman API
# service (podman system service) leaves running containers alone (conmon keeps them).

Set-StrictMode -Version Latest

function Test-EnginePing([string] $Socket) {
    $null = & curl -sf --max-time 3 --unix-socket $Socket http://localhost/_ping 2>$null
    return $LASTEXITCODE -eq 0
}

function Wait-EnginePing([string] $Socket, [int] $TimeoutSec = 90) {
    $deadline = (Get-Date).AddSeconds($TimeoutSec)
    while ((Get-Date) -lt $deadline) {
        if (Test-EnginePing $Socket) { return }
        Start-Sleep -Milliseconds 250
    }
    throw "The engine on $Socket did not answer /_ping within $TimeoutSec s."
}

function Get-EngineProcessId([string] $Socket) {
    # The process listening on the socket (ss shows the path it was bound as: /var/run/... or /run/...).
    $paths = @($Socket)
    $dir = Split-Path $Socket
    $real = (Get-Item $dir).ResolvedTarget
    if ($real -and $real -ne $dir) { $paths += Join-Path $real (Split-Path $Socket -Leaf) }
    if ($Socket -like '/run/*') { $paths += '/var' + $Socket } elseif ($Socket -like '/var/run/*') { $paths += $Socket.Substring(4) }
    foreach ($line in (& ss -xlpH 2>$null)) {
        $fields = -split $line
        if ($fields.Count -ge 5 -and $fields[4] -in $paths -and $line -match 'pid=(\d+)') { return [int]$Matches[1] }
    }
    throw "No process listens on $Socket."
}

function Get-SystemdUnit([int] $ProcessId) {
    if (-not (Test-Path /run/systemd/system)) { return $null }
    $cgroup = Get-Content "/proc/$ProcessId/cgroup" -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($cgroup -match '/([^/]+\.service)$') { return $Matches[1] }
    return $null
}

function Read-NulList([string] $Path) {
    $text = [IO.File]::ReadAllText($Path)
    return @($text.Split([char]0, [StringSplitOptions]::RemoveEmptyEntries))
}

function Restart-Engine {
    <#
    .SYNOPSIS
    Restarts the engine serving $Socket as it is running now and waits for /_ping. Returns how it did it.
    #>
    param(
        [Parameter(Mandatory)] [string] $Socket,
        [int] $StopTimeoutSec = 30,
        [int] $StartTimeoutSec = 90
    )
    $processId = Get-EngineProcessId $Socket
    $unit = Get-SystemdUnit $processId
    if ($unit) {
        & systemctl restart $unit
        if ($LASTEXITCODE -ne 0) { throw "systemctl restart $unit failed." }
        Wait-EnginePing $Socket $StartTimeoutSec
        return [pscustomobject]@{ Method = 'systemd'; Unit = $unit; OldPid = $processId; NewPid = (Get-EngineProcessId $Socket); Log = $null }
    }

    $argv = @(Read-NulList "/proc/$processId/cmdline")
    $environment = @(Read-NulList "/proc/$processId/environ")
    # Relaunched from /, not from the directory it ran in: that may be a clone the tests run from,
    # and an engine whose working directory is later removed breaks (Podman's conmon fails with
    # "Failed to get working directory", every container start with "write child: broken pipe").
    $cwd = '/'
    $log = Join-Path ([IO.Path]::GetTempPath()) "runescape-restart-$([IO.Path]::GetFileName($argv[0])).log"

    & kill -TERM $processId
    $deadline = (Get-Date).AddSeconds($StopTimeoutSec)
    while ((Test-Path "/proc/$processId") -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200 }
    if (Test-Path "/proc/$processId") {
        & kill -KILL $processId
        while (Test-Path "/proc/$processId") { Start-Sleep -Milliseconds 100 }
    }

    # Detached: its own session, stdin from /dev/null, output appended to the log; env -i gives
    # it exactly the environment it had.
    Add-Content -Path $log -Value "==== $(Get-Date -Format o) relaunched after pid $processId by the RunEscape engine-restart test: $($argv -join ' ')"
    & bash -c 'cd "$1" && log="$2" && shift 2 && exec setsid -f env -i "$@" >>"$log" 2>&1 </dev/null' restart $cwd $log @environment @argv
    if ($LASTEXITCODE -ne 0) { throw "Relaunching '$($argv -join ' ')' failed; see $log." }
    Wait-EnginePing $Socket $StartTimeoutSec
    return [pscustomobject]@{ Method = 'relaunch'; Unit = $null; OldPid = $processId; NewPid = (Get-EngineProcessId $Socket); Log = $log; CommandLine = $argv -join ' ' }
}

Export-ModuleMember -Function Restart-Engine, Test-EnginePing, Wait-EnginePing, Get-EngineProcessId
