# templates/lib/envelope.ps1 running a template as the Qlik service account: as LocalSystem it writes the
# run folder, registers a one-shot scheduled task as the account, waits, relays the task's output and exit
# code, and always removes the task and the folder. Task Scheduler, icacls and DPAPI are mocked; the task's
# run itself is real: the Start-ScheduledTask mock runs the envelope copy from the run folder in-process,
# as the task's powershell.exe would, and writes its streams where cmd.exe would redirect them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $common = [IO.File]::ReadAllText((Join-Path $PSScriptRoot '../../templates/lib/common.ps1'))
    $template = @"
<# echo: prints its inputs back through the protocol #>
[CmdletBinding()]
param([string]`$Note, [string]`$AdminPassword, [string]`$ExitCode = '0')
$common
Invoke-QlikMain {
    Write-QlikPhase "note `$Note password `$AdminPassword"
    if (`$ExitCode -ne '0') { Exit-QlikFailure -Code ([int]`$ExitCode) -Message "failing as asked, password `$AdminPassword" }
    Write-QlikResult ([ordered]@{ note = `$Note; user = 'as the task' })
}
"@
    $script:Envelope = Export-EnvelopeScript -TemplateText $template -Path (Join-Path $TestDrive 'envelope.ps1')
    Install-CommandStub -ScriptPath $Envelope -Definition @{
        'New-ScheduledTaskAction'  = '$Execute, $Argument'
        'Register-ScheduledTask'   = '$TaskName, $Action, $User, $Password, $RunLevel, [switch]$Force'
        'Start-ScheduledTask'      = '$TaskName'
        'Stop-ScheduledTask'       = '$TaskName'
        'Get-ScheduledTask'        = '$TaskName'
        'Get-ScheduledTaskInfo'    = '$TaskName'
        'Unregister-ScheduledTask' = '$TaskName, $Confirm'
    }
    $script:SavedEnvironment = @{ ProgramData = $env:ProgramData; SystemRoot = $env:SystemRoot; COMPUTERNAME = $env:COMPUTERNAME }
    $env:SystemRoot = 'C:\Windows'
    $env:COMPUTERNAME = 'QSVM01'
    # Every character Windows' command line or PowerShell's parser could mangle.
    $script:Password = (New-FakeSecret -Label 'svc') + " `" ' ^ % & `$x `` ; | < >"
    $script:NotePassword = New-FakeSecret -Label 'admin'

    # The envelope run as Run Command starts it, in-process so that the mocks apply.
    function script:Invoke-Envelope {
        param([hashtable]$Plain, [hashtable]$Protected)
        Invoke-Template -Path $Envelope -Parameters @{ QlikInputs = (ConvertTo-EnvelopeInput $Plain); QlikProtectedInputs = (ConvertTo-EnvelopeInput $Protected) }
    }
    function script:Get-RunRoot { Join-Path $env:ProgramData 'qlik-azure/run' }
}

AfterAll {
    Remove-CommandStub
    foreach ($name in $SavedEnvironment.Keys) { Set-Item -Path "env:$name" -Value $SavedEnvironment[$name] }
}

Describe 'envelope: a template run as the service account through a scheduled task' {
    BeforeEach {
        $env:ProgramData = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        # Shared with the mocks through one hashtable: a mock runs inside the envelope's scopes, where $script: is the envelope's.
        $script:TaskWorld = @{ Registered = $null; TaskResult = 267011; FolderFiles = @{}; Unregistered = @(); Stopped = @(); ProtectedFor = $null; Clock = [datetime]'2026-01-01T00:00:00Z' }
        Mock New-ScheduledTaskAction { [pscustomobject]@{ Execute = $Execute; Arguments = $Argument } }
        Mock Register-ScheduledTask { $TaskWorld.Registered = [pscustomobject]@{ TaskName = $TaskName; Action = $Action; User = $User; Password = $Password; RunLevel = $RunLevel } }
        Mock Get-ScheduledTask {
            if ($TaskWorld.Registered -and $TaskName -eq $TaskWorld.Registered.TaskName) { [pscustomobject]@{ TaskName = $TaskName; State = 'Ready' } }
        }
        Mock Get-ScheduledTaskInfo { [pscustomobject]@{ LastTaskResult = $TaskWorld.TaskResult } }
        Mock Unregister-ScheduledTask { $TaskWorld.Unregistered += $TaskName }
        Mock Stop-ScheduledTask { $TaskWorld.Stopped += $TaskName }
        Mock Start-Sleep { }
        Mock Protect-QlikRunFolder { $TaskWorld.ProtectedFor = $Account }
        # A stand-in for DPAPI that still keeps the clear text out of the file: the bytes reversed.
        Mock Protect-QlikRunInput { [byte[]]($Bytes[($Bytes.Length - 1)..0]) }
        Mock Unprotect-QlikRunInput { [byte[]]($Bytes[($Bytes.Length - 1)..0]) }
        # The task's run: the envelope copy in the run folder, with its streams where cmd.exe redirects them.
        Mock Start-ScheduledTask {
            $folder = [regex]::Match($TaskWorld.Registered.Action.Arguments, '-QlikRunFolder "([^"]+)"').Groups[1].Value
            foreach ($file in Get-ChildItem -LiteralPath $folder -File) { $TaskWorld.FolderFiles[$file.Name] = [IO.File]::ReadAllText($file.FullName) }
            $inner = Invoke-Template -Path (Join-Path $folder 'envelope.ps1') -Parameters @{ QlikRunFolder = $folder }
            [IO.File]::WriteAllText((Join-Path $folder 'stdout.txt'), (($inner.Lines -join "`r`n") + "`r`n"))
            [IO.File]::WriteAllText((Join-Path $folder 'stderr.txt'), $inner.Stderr)
            $TaskWorld.TaskResult = $inner.ExitCode
        }
    }

    It 'relays the output and exit code of the run as the account; the password reaches the task registration intact and never prints' {
        $run = Invoke-Envelope -Plain @{ Note = 'a b & c'; QlikRunAsAccount = 'qservice'; QlikRunAsTimeoutSeconds = '600' } -Protected @{ AdminPassword = $NotePassword; QlikRunAsPassword = $Password }

        $run.Stderr | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $run.Phases[0] | Should -BeLike "running as QSVM01\qservice (scheduled task 'qlik-azure run *')"
        $run.Phases[1] | Should -Be 'note a b & c password ***'
        $run.Result.note | Should -Be 'a b & c'
        $TaskWorld.Registered.User | Should -Be 'QSVM01\qservice'
        $TaskWorld.Registered.Password | Should -BeExactly $Password
        $TaskWorld.Registered.RunLevel | Should -Be 'Highest'
        $TaskWorld.Registered.Action.Execute | Should -Be 'C:\Windows\System32\cmd.exe'
        $TaskWorld.Registered.Action.Arguments | Should -Match '^/d /c ""[^"]+powershell\.exe" -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "[^"]+envelope\.ps1" -QlikRunFolder "[^"]+" 1>"[^"]+stdout\.txt" 2>"[^"]+stderr\.txt""$'
        $TaskWorld.ProtectedFor | Should -Be 'QSVM01\qservice'
        # Nothing in the folder or the task's command line holds a secret in clear.
        foreach ($text in @($TaskWorld.FolderFiles.Values) + $TaskWorld.Registered.Action.Arguments + $run.AllText) {
            $text | Should -Not -BeLike "*$NotePassword*"
            $text.Contains($Password) | Should -BeFalse
        }
        $TaskWorld.FolderFiles.Keys | Should -Contain 'protected.bin'
        $TaskWorld.Unregistered | Should -Be @($TaskWorld.Registered.TaskName)
        @(Get-ChildItem -LiteralPath (Get-RunRoot)) | Should -HaveCount 0
    }

    It "relays a failure's exit code and stderr line, and still removes the task and the folder" {
        $run = Invoke-Envelope -Plain @{ ExitCode = '9'; QlikRunAsAccount = 'qservice' } -Protected @{ AdminPassword = $NotePassword; QlikRunAsPassword = $Password }

        $run.ExitCode | Should -Be 9
        $run.Stderr | Should -Be 'qlik-azure: failing as asked, password ***'
        $TaskWorld.Unregistered | Should -Be @($TaskWorld.Registered.TaskName)
        @(Get-ChildItem -LiteralPath (Get-RunRoot)) | Should -HaveCount 0
    }

    It 'ends with exit code 3, without the password, when Task Scheduler refuses the account' {
        Mock Register-ScheduledTask { throw "The user name or password is incorrect. ($Password)" }

        $run = Invoke-Envelope -Plain @{ QlikRunAsAccount = 'qservice' } -Protected @{ QlikRunAsPassword = $Password }

        $run.ExitCode | Should -Be 3
        $run.Stderr | Should -Be 'qlik-azure: Task Scheduler refused to run the script as QSVM01\qservice: The user name or password is incorrect. (***); check that the account exists (step 38) and its password'
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly
        @(Get-ChildItem -LiteralPath (Get-RunRoot)) | Should -HaveCount 0
    }

    It 'relays the output of a run still going, once, and stops the task after the timeout with exit code 4, removing it and the folder' {
        Mock Start-ScheduledTask {
            $TaskWorld.TaskResult = 267009
            $folder = [regex]::Match($TaskWorld.Registered.Action.Arguments, '-QlikRunFolder "([^"]+)"').Groups[1].Value
            [IO.File]::WriteAllText((Join-Path $folder 'stdout.txt'), "##qlik-azure[phase] waiting for the repository`r`n##qlik-azure[phase] still wait")
        }
        Mock Get-ScheduledTask { [pscustomobject]@{ TaskName = $TaskName; State = 'Running' } }
        Mock Get-Date { $TaskWorld.Clock = $TaskWorld.Clock.AddSeconds(40); $TaskWorld.Clock }

        $run = Invoke-Envelope -Plain @{ QlikRunAsAccount = 'qservice'; QlikRunAsTimeoutSeconds = '120' } -Protected @{ QlikRunAsPassword = $Password }

        $run.ExitCode | Should -Be 4
        $run.Stderr | Should -Be 'qlik-azure: the script did not finish within 120 s as QSVM01\qservice and was stopped'
        # The complete line while it waited, the partial one at the end: each once.
        $run.Phases | Should -Be @("running as QSVM01\qservice (scheduled task '$($TaskWorld.Registered.TaskName)')", 'waiting for the repository', 'still wait')
        $TaskWorld.Stopped | Should -Be @($TaskWorld.Registered.TaskName)
        $TaskWorld.Unregistered | Should -Be @($TaskWorld.Registered.TaskName)
        @(Get-ChildItem -LiteralPath (Get-RunRoot)) | Should -HaveCount 0
    }

    It 'removes the task and folder a run cut short left behind, but not those of a task still running or of another run in progress' {
        $root = Get-RunRoot
        New-Item -ItemType Directory -Force -Path (Join-Path $root 'left1'), (Join-Path $root 'busy2'), (Join-Path $root 'other3') | Out-Null
        # left1's envelope is gone (no such process); other3's runs in parallel (this process) and has not started its task yet.
        [IO.File]::WriteAllText((Join-Path $root 'left1/owner.pid'), '2147483000')
        [IO.File]::WriteAllText((Join-Path $root 'busy2/owner.pid'), '2147483000')
        [IO.File]::WriteAllText((Join-Path $root 'other3/owner.pid'), "$PID")
        Mock Get-ScheduledTask {
            if ($TaskName -like '*`**') {
                [pscustomobject]@{ TaskName = 'qlik-azure run left1'; State = 'Ready' }
                [pscustomobject]@{ TaskName = 'qlik-azure run busy2'; State = 'Running' }
                [pscustomobject]@{ TaskName = 'qlik-azure run other3'; State = 'Ready' }
            } elseif ($TaskWorld.Registered -and $TaskName -eq $TaskWorld.Registered.TaskName) {
                [pscustomobject]@{ TaskName = $TaskName; State = 'Ready' }
            }
        }

        $run = Invoke-Envelope -Plain @{ QlikRunAsAccount = 'qservice' } -Protected @{ QlikRunAsPassword = $Password }

        $run.ExitCode | Should -Be 0
        $TaskWorld.Unregistered | Should -Be @('qlik-azure run left1', $TaskWorld.Registered.TaskName)
        @(Get-ChildItem -LiteralPath $root | Sort-Object Name).Name | Should -Be @('busy2', 'other3')
    }

    It 'runs in-process as LocalSystem when no account is named: no task, no folder' {
        $run = Invoke-Envelope -Plain @{ Note = 'here' } -Protected @{ AdminPassword = $NotePassword }

        $run.ExitCode | Should -Be 0
        $run.Phases | Should -Be @('note here password ***')
        Should -Invoke Register-ScheduledTask -Times 0 -Exactly
        Test-Path -LiteralPath (Get-RunRoot) | Should -BeFalse
    }
}
