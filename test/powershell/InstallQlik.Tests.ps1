BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:InstallScript = Initialize-TemplateTest -Name 'vm/install-qlik.ps1' -Directory $TestDrive -WindowsCommand @{
        'Get-Service'          = '[string]$Name'
        'Get-SmbShare'         = '[string]$Name'
        'New-SmbShare'         = '[string]$Name, [string]$Path, [string[]]$FullAccess'
        'Get-SmbShareAccess'   = '[string]$Name'
        'Grant-SmbShareAccess' = '[string]$Name, [string]$AccountName, [string]$AccessRight, [switch]$Force'
        'New-ScheduledTaskAction'      = '[string]$Execute, [string]$Argument'
        'New-ScheduledTaskSettingsSet' = '[int]$Priority'
        'Register-ScheduledTask'       = '[string]$TaskName, $Action, $Settings, [string]$User, [string]$Password, [string]$RunLevel, [switch]$Force'
        'Start-ScheduledTask'          = '[string]$TaskName'
        'Get-ScheduledTask'            = '[string]$TaskName'
        'Get-ScheduledTaskInfo'        = '[string]$TaskName'
        'Stop-ScheduledTask'           = '[string]$TaskName'
        'Unregister-ScheduledTask'     = '[string]$TaskName, [switch]$Confirm'
        'icacls.exe'                   = '[Parameter(ValueFromRemainingArguments = $true)] $Arguments'
    }

    # The installer is a small file served over loopback HTTP, so download and checksum run for real.
    $installerBytes = [Text.Encoding]::ASCII.GetBytes("fake Qlik Sense installer $([guid]::NewGuid())")
    $script:InstallerServer = Start-LoopbackFileServer -Files @{ '/releases/Qlik_Sense_setup.exe' = $installerBytes }
    $script:InstallerSha256 = -join ([Security.Cryptography.SHA256]::Create().ComputeHash($installerBytes) | ForEach-Object { $_.ToString('x2') })
    $script:SasSignature = 'FakeSasSignature' + [guid]::NewGuid().ToString('N')
    $script:ServicePassword = New-FakeSecret -Label 'svc'
    # XML-special characters prove spc.cfg escapes values.
    $script:DbPassword = (New-FakeSecret -Label 'db') + '&<x>'
    $script:WorkDirectory = Join-Path $TestDrive 'work'
    $script:SharedFolder = Join-Path $TestDrive 'QlikShare'
    $script:Parameters = @{
        InstallerUrl           = "$($InstallerServer.BaseUrl)/releases/Qlik_Sense_setup.exe?sv=2025-01-05&sig=$SasSignature"
        InstallerSha256        = $InstallerSha256
        ReleaseName            = 'Qlik Sense May 2025'
        ServiceAccountName     = 'QlikService'
        ServiceAccountPassword = $ServicePassword
        RepositoryDbPassword   = $DbPassword
        Hostname               = 'QSVM01'
        SharedFolderPath       = $SharedFolder
        TimeoutMinutes         = '5'
        WorkDirectory          = $WorkDirectory
    }
    $script:QlikServices = @('QlikSenseRepositoryDatabase', 'QlikSenseServiceDispatcher', 'QlikSenseRepositoryService',
        'QlikSenseProxyService', 'QlikSenseEngineService', 'QlikSenseSchedulerService', 'QlikSensePrintingService')

    $script:TaskName = 'qlik-azure Qlik Sense install'
    $script:InstallerPath = Join-Path $WorkDirectory 'Qlik_Sense_setup.exe'
    $script:ExpectedArguments = "-silent -log $WorkDirectory/qlik-sense-install.log accepteula=1 desktopshortcut=0 skipstartservices=0 " +
        "userwithdomain=QSVM01\QlikService userpassword=$ServicePassword dbpassword=$DbPassword hostname=QSVM01 " +
        "sharedpersistenceconfig=$WorkDirectory/spc.cfg"

    function script:Invoke-Install {
        param([hashtable]$Change = @{})
        $run = Invoke-Template -Path $InstallScript -Parameters (Join-TemplateParameter $Parameters $Change)
        $script:AllOutput += $run.AllText
        $run
    }
    $script:AllOutput = ''

    # What the installer does to the fake machine; returns its exit code.
    function script:Invoke-FakeInstaller {
        $FakeMachine.ConfigDuringInstall = Get-Content -Raw -LiteralPath (Join-Path $WorkDirectory 'spc.cfg')
        if ($FakeMachine.InstallerExitCode -eq 0) {
            $FakeMachine.Installed = @($FakeMachine.InstallerRelease)
            foreach ($service in $FakeMachine.ServicesStartedByInstaller) { $FakeMachine.Services[$service] = 'Running' }
        }
        $FakeMachine.InstallerExitCode
    }

    # Time passes only while the script sleeps.
    function script:Use-FakeClock {
        $FakeMachine.Now = [datetime]'2026-11-27T12:00:00'
        Mock Get-Date { $FakeMachine.Now }
        Mock Start-Sleep { $FakeMachine.Now = $FakeMachine.Now.AddSeconds($Seconds) }
    }
}

AfterAll {
    $InstallerServer.Stop()
    Reset-TemplateTest
}

Describe 'install-qlik.ps1' {
    BeforeEach {
        Remove-Item -Recurse -Force -Path $WorkDirectory, $SharedFolder -ErrorAction SilentlyContinue
        # What the installer does to the fake machine is set per test: exit code and services it starts.
        # InstallerRunningPolls: how many task-state polls still see the installer task running.
        $script:FakeMachine = @{
            Installed = @(); Services = @{}; Shares = @{}; ShareAccess = @{}; Acl = @{}
            InstallerExitCode = 0; InstallerRelease = 'Qlik Sense May 2025'; ServicesStartedByInstaller = $QlikServices; ConfigDuringInstall = $null
            Task = $null; InstallerRunningPolls = 0; RepositoryState = $null; RepositoryCalls = @()
        }
        Mock Get-QlikInstalledRelease { $FakeMachine.Installed }
        # Run Command's default identity; the 'elevated as the service account' context plays the other one.
        Mock Test-RunningAsLocalSystem { $true }
        Mock Test-RunningElevated { $true }
        Mock Protect-QlikWorkDirectory { }
        # NTFS rights as icacls leaves them: path -> the arguments it was given.
        Mock icacls.exe { $FakeMachine.Acl[$Arguments[0]] = @($Arguments | Select-Object -Skip 1) }
        Mock Get-Service { if ($FakeMachine.Services.ContainsKey($Name)) { [pscustomobject]@{ Name = $Name; Status = $FakeMachine.Services[$Name] } } }
        Mock Get-SmbShare { $FakeMachine.Shares[$Name] }
        Mock New-SmbShare {
            $FakeMachine.Shares[$Name] = [pscustomobject]@{ Name = $Name; Path = $Path }
            $FakeMachine.ShareAccess[$Name] = @($FullAccess | ForEach-Object { [pscustomobject]@{ AccountName = $_; AccessRight = 'Full'; AccessControlType = 'Allow' } })
        }
        Mock Get-SmbShareAccess { $FakeMachine.ShareAccess[$Name] }
        Mock Grant-SmbShareAccess { $FakeMachine.ShareAccess[$Name] += [pscustomobject]@{ AccountName = $AccountName; AccessRight = $AccessRight; AccessControlType = 'Allow' } }
        Mock Start-Process { [pscustomobject]@{ ExitCode = Invoke-FakeInstaller } }
        # Task Scheduler: LastTaskResult 267011 = not run yet, 267009 = running, else the installer's exit code.
        Mock New-ScheduledTaskAction { [pscustomobject]@{ Execute = $Execute; Arguments = $Argument } }
        Mock New-ScheduledTaskSettingsSet { [pscustomobject]@{ Priority = $Priority } }
        Mock Register-ScheduledTask { $FakeMachine.Task = @{ Name = $TaskName; State = 'Ready'; LastTaskResult = 267011 } }
        Mock Start-ScheduledTask {
            $FakeMachine.Task.State = 'Running'
            $FakeMachine.Task.LastTaskResult = 267009
            $FakeMachine.Task.ExitCode = Invoke-FakeInstaller
        }
        Mock Get-ScheduledTask {
            $task = $FakeMachine.Task
            if (-not $task) { return }
            if ($task.State -eq 'Running') {
                if ($FakeMachine.InstallerRunningPolls -gt 0) { $FakeMachine.InstallerRunningPolls-- }
                else { $task.State = 'Ready'; $task.LastTaskResult = $task.ExitCode }
            }
            [pscustomobject]@{ TaskName = $TaskName; State = $task.State }
        }
        Mock Get-ScheduledTaskInfo { [pscustomobject]@{ TaskName = $TaskName; LastTaskResult = [uint32]$FakeMachine.Task.LastTaskResult } }
        # 267014 = SCHED_S_TASK_TERMINATED
        Mock Stop-ScheduledTask { $FakeMachine.Task.State = 'Ready'; $FakeMachine.Task.LastTaskResult = 267014 }
        Mock Unregister-ScheduledTask { $FakeMachine.Task = $null }
        # The repository's service-state endpoint (QRS on 4444, the only network call of the readiness check):
        # state 2 (Running) once the repository service runs; refused before, as on a machine where it is down.
        # RepositoryState overrides what it reports; each call's URL and headers are kept.
        Mock Invoke-RestMethod -ParameterFilter { $Uri -like 'http://localhost:4444/*' } {
            $FakeMachine.RepositoryCalls += , @{ Uri = $Uri; Headers = $Headers }
            if ($FakeMachine.Services['QlikSenseRepositoryService'] -ne 'Running') { throw 'Unable to connect to the remote server' }
            [pscustomobject]@{ value = $(if ($null -ne $FakeMachine.RepositoryState) { $FakeMachine.RepositoryState } else { 2 }) }
        }
        Mock Start-Sleep { }
    }

    Context 'a fresh machine' {
        It 'downloads, verifies, writes spc.cfg, installs silently as the service account and waits for the services' {
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            $run.Lines[-1] | Should -BeLike '##qlik-azure`[result`] *'
            $run.Result.changed | Should -BeTrue
            $run.Result.release | Should -Be 'Qlik Sense May 2025'
            $run.Result.hostname | Should -Be 'QSVM01'
            $run.Result.sharePath | Should -Be '\\QSVM01\QlikShare'
            $run.Result.installerLog | Should -Be (Join-Path $WorkDirectory 'qlik-sense-install.log')
            $run.Phases | Should -Contain 'installer SHA-256 verified'
            $run.Phases | Should -Contain 'Qlik Sense services running, repository ready'
            Should -Invoke Protect-QlikWorkDirectory -Times 1 -Exactly -ParameterFilter { $Path -eq $WorkDirectory }
        }

        It 'runs the installer as a one-shot scheduled task as the service account with a full administrator token' {
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            Should -Invoke Register-ScheduledTask -Times 1 -Exactly -ParameterFilter {
                $TaskName -eq 'qlik-azure Qlik Sense install' -and $User -eq 'QSVM01\QlikService' -and $Password -ceq $ServicePassword -and
                $RunLevel -eq 'Highest' -and $Force -and $Action.Execute -eq $InstallerPath -and $Settings.Priority -eq 4
            }
            Should -Invoke Start-ScheduledTask -Times 1 -Exactly -ParameterFilter { $TaskName -eq 'qlik-azure Qlik Sense install' }
            Should -Invoke Unregister-ScheduledTask -Times 1 -Exactly -ParameterFilter { $TaskName -eq 'qlik-azure Qlik Sense install' -and -not $Confirm }
            Should -Invoke Start-Process -Times 0 -Exactly
            $FakeMachine.Task | Should -BeNullOrEmpty
            $run.Phases | Should -Contain "installer started as QSVM01\QlikService with a full administrator token (scheduled task 'qlik-azure Qlik Sense install'); waiting up to 5 min"
        }

        It 'passes the current silent-install switches, and no senddata' {
            $null = Invoke-Install -Change @{ InstallDir = 'D:\Program Files\Qlik\Sense' }

            $expected = $ExpectedArguments + ' installdir="D:\Program Files\Qlik\Sense"'
            Should -Invoke New-ScheduledTaskAction -Times 1 -Exactly -ParameterFilter { $Execute -eq $InstallerPath -and $Argument -ceq $expected }
        }

        It 'waits for the installer task and says every 5 min that it still runs' {
            Use-FakeClock
            # 40 polls 10 s apart: the installer runs for almost 7 minutes.
            $FakeMachine.InstallerRunningPolls = 40
            $run = Invoke-Install -Change @{ TimeoutMinutes = '10' }

            $run.ExitCode | Should -Be 0
            $run.Phases | Should -Contain 'installer still running (5 min)'
            $run.Phases | Should -Not -Contain 'installer still running (10 min)'
            Should -Invoke Get-ScheduledTaskInfo -Times 42 -Exactly
        }

        It 'prints the installer command line with the passwords masked' {
            $run = Invoke-Install
            $run.Phases | Should -Contain ("running Qlik_Sense_setup.exe -silent -log $WorkDirectory/qlik-sense-install.log accepteula=1 desktopshortcut=0 " +
                "skipstartservices=0 userwithdomain=QSVM01\QlikService userpassword=*** dbpassword=*** hostname=QSVM01 sharedpersistenceconfig=$WorkDirectory/spc.cfg")
        }

        It 'gives the installer a shared persistence config for a single central node, then deletes it and the installer' {
            $null = Invoke-Install

            $FakeMachine.ConfigDuringInstall | Should -BeLike '*<DbUserPassword>*&amp;&lt;x&gt;</DbUserPassword>*'
            $config = ([xml]$FakeMachine.ConfigDuringInstall).SharedPersistenceConfiguration
            $config.DbUserName | Should -Be 'qliksenserepository'
            $config.DbUserPassword | Should -Be $DbPassword
            $config.DbHost | Should -Be 'localhost'
            $config.DbPort | Should -Be '4432'
            $config.RootDir | Should -Be '\\QSVM01\QlikShare'
            $config.AppsDir | Should -Be '\\QSVM01\QlikShare\Apps'
            $config.StaticContentRootDir | Should -Be '\\QSVM01\QlikShare\StaticContent'
            $config.ArchivedLogsDir | Should -Be '\\QSVM01\QlikShare\ArchivedLogs'
            $config.CreateCluster | Should -Be 'true'
            $config.InstallLocalDb | Should -Be 'true'
            $config.JoinCluster | Should -Be 'false'
            Join-Path $WorkDirectory 'spc.cfg' | Should -Not -Exist
            Join-Path $WorkDirectory 'Qlik_Sense_setup.exe' | Should -Not -Exist
        }

        It 'shares the persistence folder with full access for the service account' {
            $null = Invoke-Install

            Join-Path $SharedFolder 'Apps' | Should -Exist
            Should -Invoke New-SmbShare -Times 1 -Exactly -ParameterFilter { $Name -eq 'QlikShare' -and $Path -eq $SharedFolder -and "$FullAccess" -eq 'QSVM01\QlikService' }
        }

        It 'gives the persistence folder NTFS rights for the service account, SYSTEM and Administrators only, nothing inherited from C:\' {
            $null = Invoke-Install

            # /inheritance:r drops what C:\ grants Authenticated Users and Users; /grant:r leaves Full Control to these three, for every file and folder below.
            $FakeMachine.Acl[$SharedFolder] | Should -Be @('/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F', 'QSVM01\QlikService:(OI)(CI)F')
        }

        It 'installs when ReleaseName is empty, and reports the release the installer installed' {
            $run = Invoke-Install -Change @{ ReleaseName = '' }

            $run.ExitCode | Should -Be 0
            $run.Result.changed | Should -BeTrue
            $run.Result.release | Should -Be 'Qlik Sense May 2025'
        }

        It 'reports the release actually installed, not the one asked for' {
            $FakeMachine.InstallerRelease = 'Qlik Sense November 2025'
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            $run.Result.release | Should -Be 'Qlik Sense November 2025'
            $run.Phases | Should -Contain "the installer installed 'Qlik Sense November 2025', not -ReleaseName 'Qlik Sense May 2025'"
        }

        It 'waits for services that start slowly' {
            $FakeMachine.ServicesStartedByInstaller = @($QlikServices | Where-Object { $_ -ne 'QlikSenseEngineService' })
            $script:Polls = 0
            Mock Start-Sleep { $script:Polls++; if ($Polls -eq 2) { $FakeMachine.Services['QlikSenseEngineService'] = 'Running' } }
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            Should -Invoke Start-Sleep -Times 2 -Exactly -ParameterFilter { $Seconds -eq 10 }
        }
    }

    Context 'a machine where the release is already installed' {
        BeforeEach {
            $FakeMachine.Installed = @('Qlik Sense May 2025', 'Qlik Sense May 2025 Patch 2')
            foreach ($service in $QlikServices) { $FakeMachine.Services[$service] = 'Running' }
        }

        It 'changes nothing when the release is installed and the repository runs' {
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            $run.Result.changed | Should -BeFalse
            $run.Result.installerLog | Should -BeNullOrEmpty
            $run.Result.release | Should -Be 'Qlik Sense May 2025'
            $run.Phases | Should -Not -Contain 'installer SHA-256 verified'
            Should -Invoke Register-ScheduledTask -Times 0 -Exactly
            Should -Invoke New-SmbShare -Times 0 -Exactly
        }

        It 'accepts the installed release when ReleaseName is empty, and reports it' {
            $run = Invoke-Install -Change @{ ReleaseName = '' }

            $run.ExitCode | Should -Be 0
            $run.Result.changed | Should -BeFalse
            $run.Result.release | Should -Be 'Qlik Sense May 2025'
            $run.Phases | Should -Contain 'Qlik Sense May 2025 is installed; nothing to install'
            Should -Invoke Register-ScheduledTask -Times 0 -Exactly
        }

        It 'refuses several installed releases with exit code 26 when ReleaseName is empty' {
            $FakeMachine.Installed += 'Qlik Sense November 2024'
            $run = Invoke-Install -Change @{ ReleaseName = '' }

            $run.ExitCode | Should -Be 26
            $run.Stderr | Should -Be "qlik-azure: several Qlik Sense releases are installed ('Qlik Sense May 2025', 'Qlik Sense November 2024'); name the one to keep in -ReleaseName"
        }

        It 'changes nothing on the second run after an install' {
            $FakeMachine.Installed = @()
            $FakeMachine.Services = @{}
            $first = Invoke-Install
            $second = Invoke-Install

            $first.Result.changed | Should -BeTrue
            $second.ExitCode | Should -Be 0
            $second.Result.changed | Should -BeFalse
            Should -Invoke Register-ScheduledTask -Times 1 -Exactly
            Should -Invoke Start-ScheduledTask -Times 1 -Exactly
        }

        It 'only waits when the services are still starting (after a reboot)' {
            $FakeMachine.Services['QlikSenseRepositoryService'] = 'StartPending'
            Mock Start-Sleep { $FakeMachine.Services['QlikSenseRepositoryService'] = 'Running' }
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            $run.Result.changed | Should -BeFalse
            Should -Invoke Start-ScheduledTask -Times 0 -Exactly
        }

        It 'refuses to install over another release with exit code 26' {
            $FakeMachine.Installed = @('Qlik Sense November 2024')
            $run = Invoke-Install

            $run.ExitCode | Should -Be 26
            $run.Stderr | Should -Be "qlik-azure: 'Qlik Sense November 2024' is installed, not 'Qlik Sense May 2025'; upgrading an existing Qlik Sense is not supported by this script"
        }
    }

    Context 'what a run that Run Command cut short left behind' {
        BeforeEach {
            New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null
            Set-Content -LiteralPath (Join-Path $WorkDirectory 'spc.cfg') -Value "<DbUserPassword>$DbPassword</DbUserPassword>"
        }

        It 'removes an installer task that is not running, and spc.cfg, before installing (<Case>)' -ForEach @(
            @{ Case = 'never started'; State = 'Ready'; Result = 267011 }
            @{ Case = 'stopped'; State = 'Ready'; Result = 267014 }
            @{ Case = 'disabled'; State = 'Disabled'; Result = 0 }
        ) {
            $FakeMachine.Task = @{ Name = $TaskName; State = $State; LastTaskResult = $Result }
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            $run.Result.changed | Should -BeTrue
            $run.Phases[0] | Should -Be "removed the installer task 'qlik-azure Qlik Sense install' an earlier, cut-short run left behind"
            Should -Invoke Unregister-ScheduledTask -Times 2 -Exactly -ParameterFilter { $TaskName -eq 'qlik-azure Qlik Sense install' -and -not $Confirm }
            Should -Invoke Register-ScheduledTask -Times 1 -Exactly
        }

        It 'removes them on a machine where the release is already installed' {
            $FakeMachine.Installed = @('Qlik Sense May 2025')
            foreach ($service in $QlikServices) { $FakeMachine.Services[$service] = 'Running' }
            $FakeMachine.Task = @{ Name = $TaskName; State = 'Ready'; LastTaskResult = 0 }
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            $run.Result.changed | Should -BeFalse
            Should -Invoke Unregister-ScheduledTask -Times 1 -Exactly
            $FakeMachine.Task | Should -BeNullOrEmpty
            Join-Path $WorkDirectory 'spc.cfg' | Should -Not -Exist
        }

        It 'waits for an installer that is still running instead of starting another, then removes its task' {
            Use-FakeClock
            $FakeMachine.Task = @{ Name = $TaskName; State = 'Running'; LastTaskResult = 267009; ExitCode = 0 }
            $FakeMachine.InstallerRunningPolls = 40
            # The earlier installer finishes while this run waits: the release and its services are there.
            Mock Start-Sleep {
                $FakeMachine.Now = $FakeMachine.Now.AddSeconds($Seconds)
                if ($FakeMachine.InstallerRunningPolls -eq 0) {
                    $FakeMachine.Installed = @('Qlik Sense May 2025')
                    foreach ($service in $QlikServices) { $FakeMachine.Services[$service] = 'Running' }
                }
            }
            $run = Invoke-Install -Change @{ TimeoutMinutes = '10' }

            $run.ExitCode | Should -Be 0
            $run.Result.changed | Should -BeFalse
            $run.Result.release | Should -Be 'Qlik Sense May 2025'
            $run.Phases[0] | Should -Be "an installer started by an earlier run is still running (scheduled task 'qlik-azure Qlik Sense install'); waiting up to 10 min for it instead of starting another"
            $run.Phases | Should -Contain 'earlier installer still running (5 min)'
            Should -Invoke Register-ScheduledTask -Times 0 -Exactly
            Should -Invoke Start-ScheduledTask -Times 0 -Exactly
            Should -Invoke Stop-ScheduledTask -Times 0 -Exactly
            Should -Invoke Unregister-ScheduledTask -Times 1 -Exactly
            Join-Path $WorkDirectory 'spc.cfg' | Should -Not -Exist
        }

        It 'reports the failure of the earlier installer it waited for with exit code 23' {
            $FakeMachine.Task = @{ Name = $TaskName; State = 'Running'; LastTaskResult = 267009; ExitCode = 1603 }
            $FakeMachine.InstallerRunningPolls = 2
            $run = Invoke-Install

            $run.ExitCode | Should -Be 23
            $run.Stderr | Should -Be "qlik-azure: the Qlik Sense installer failed with exit code 1603 (fatal error during installation); its log on the VM is $WorkDirectory/qlik-sense-install.log"
            Should -Invoke Start-ScheduledTask -Times 0 -Exactly
            $FakeMachine.Task | Should -BeNullOrEmpty
        }

        It 'leaves an earlier installer running when it does not finish in time, with exit code 24' {
            Use-FakeClock
            $FakeMachine.Task = @{ Name = $TaskName; State = 'Running'; LastTaskResult = 267009; ExitCode = 0 }
            $FakeMachine.InstallerRunningPolls = [int]::MaxValue
            $run = Invoke-Install -Change @{ TimeoutMinutes = '3' }

            $run.ExitCode | Should -Be 24
            $run.Stderr | Should -Be "qlik-azure: the Qlik Sense installer an earlier run started (scheduled task 'qlik-azure Qlik Sense install') is still running after 3 min and was left running; run this step again to keep waiting; its log on the VM is $WorkDirectory/qlik-sense-install.log"
            Should -Invoke Stop-ScheduledTask -Times 0 -Exactly
            Should -Invoke Unregister-ScheduledTask -Times 0 -Exactly
            Should -Invoke Register-ScheduledTask -Times 0 -Exactly
            $FakeMachine.Task.State | Should -Be 'Running'
        }
    }

    Context 'failures' {
        It 'ends with exit code 20 when the installer URL answers 404' {
            $run = Invoke-Install -Change @{ InstallerUrl = "$($InstallerServer.BaseUrl)/releases/missing.exe?sig=$SasSignature" }

            $run.ExitCode | Should -Be 20
            $run.Stderr | Should -BeLike "qlik-azure: could not download the installer from $($InstallerServer.BaseUrl)/releases/missing.exe: *404*"
            Join-Path $WorkDirectory 'Qlik_Sense_setup.exe' | Should -Not -Exist
            Should -Invoke Register-ScheduledTask -Times 0 -Exactly
        }

        It 'ends with exit code 20 when the installer host is unreachable' {
            $closedUrl = Get-ClosedLoopbackUrl
            $run = Invoke-Install -Change @{ InstallerUrl = "$closedUrl/Qlik_Sense_setup.exe" }

            $run.ExitCode | Should -Be 20
            $run.Stderr | Should -BeLike "qlik-azure: could not download the installer from $closedUrl/Qlik_Sense_setup.exe: *"
        }

        It 'ends with exit code 21 on a checksum mismatch and deletes the download' {
            $wrongSha = 'ab' * 32
            $run = Invoke-Install -Change @{ InstallerSha256 = $wrongSha }

            $run.ExitCode | Should -Be 21
            $run.Stderr | Should -Be "qlik-azure: installer checksum mismatch: expected SHA-256 $($wrongSha.ToUpperInvariant()), downloaded file has $($InstallerSha256.ToUpperInvariant())"
            Join-Path $WorkDirectory 'Qlik_Sense_setup.exe' | Should -Not -Exist
            Should -Invoke Register-ScheduledTask -Times 0 -Exactly
        }

        It 'installs without a checksum when none is given' {
            (Invoke-Install -Change @{ InstallerSha256 = '' }).ExitCode | Should -Be 0
        }

        It 'ends with exit code 23 when the installer fails run as <Identity>, and still deletes spc.cfg and any task' -ForEach @(
            @{ Identity = 'LocalSystem'; LocalSystem = $true; TasksDeleted = 1 }
            @{ Identity = 'the elevated service account'; LocalSystem = $false; TasksDeleted = 0 }
        ) {
            Mock Test-RunningAsLocalSystem { $LocalSystem }
            $FakeMachine.InstallerExitCode = 1603
            $run = Invoke-Install

            $run.ExitCode | Should -Be 23
            $run.Stderr | Should -Be "qlik-azure: the Qlik Sense installer failed with exit code 1603 (fatal error during installation); its log on the VM is $WorkDirectory/qlik-sense-install.log"
            Join-Path $WorkDirectory 'spc.cfg' | Should -Not -Exist
            Should -Invoke Unregister-ScheduledTask -Times $TasksDeleted -Exactly
            $FakeMachine.Task | Should -BeNullOrEmpty
        }

        It 'ends with exit code 25 when the installer asks for a reboot, and deletes the task' {
            $FakeMachine.InstallerExitCode = 3010
            $run = Invoke-Install

            $run.ExitCode | Should -Be 25
            $run.Stderr | Should -BeLike 'qlik-azure: the Qlik Sense installer finished with exit code 3010 (restart required); restart the VM, then run this step again'
            Should -Invoke Unregister-ScheduledTask -Times 1 -Exactly
        }

        It 'ends with exit code 24 when the installer task does not finish in time, stopping and deleting it' {
            Use-FakeClock
            $FakeMachine.InstallerRunningPolls = [int]::MaxValue
            $run = Invoke-Install -Change @{ TimeoutMinutes = '12' }

            $run.ExitCode | Should -Be 24
            $run.Stderr | Should -Be "qlik-azure: the Qlik Sense installer did not finish within 12 min and was stopped; its log on the VM is $WorkDirectory/qlik-sense-install.log"
            $run.Phases | Should -Contain 'installer still running (10 min)'
            Should -Invoke Stop-ScheduledTask -Times 1 -Exactly -ParameterFilter { $TaskName -eq 'qlik-azure Qlik Sense install' }
            Should -Invoke Unregister-ScheduledTask -Times 1 -Exactly
            Join-Path $WorkDirectory 'spc.cfg' | Should -Not -Exist
        }

        It 'ends with exit code 22 when Task Scheduler refuses the service account' {
            Mock Register-ScheduledTask { throw 'The user name or password is incorrect.' }
            $run = Invoke-Install

            $run.ExitCode | Should -Be 22
            $run.Stderr | Should -Be 'qlik-azure: Task Scheduler refused to run the installer as QSVM01\QlikService: The user name or password is incorrect.; check that the account exists (accounts step) and the service account password'
            Should -Invoke Start-ScheduledTask -Times 0 -Exactly
            Join-Path $WorkDirectory 'spc.cfg' | Should -Not -Exist
        }

        It 'ends with exit code 24 when services are not running in time' {
            $FakeMachine.ServicesStartedByInstaller = @($QlikServices | Where-Object { $_ -ne 'QlikSenseProxyService' })
            $run = Invoke-Install -Change @{ TimeoutMinutes = '0' }

            $run.ExitCode | Should -Be 24
            $run.Stderr | Should -Be 'qlik-azure: Qlik Sense is not ready after 0 min (services not running: QlikSenseProxyService); check the services and C:\ProgramData\Qlik\Sense\Log on the VM'
        }

        It 'ends with exit code 24 when the repository does not report Running in time' {
            # The service runs, but the repository answers state 1 (starting), never 2.
            $FakeMachine.RepositoryState = 1
            $run = Invoke-Install -Change @{ TimeoutMinutes = '0' }

            $run.ExitCode | Should -Be 24
            $run.Stderr | Should -BeLike '*the repository does not report Running on http://localhost:4444/status/servicestate*'
        }

        It 'asks the repository for its service state with a matching xrfkey pair' {
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            $FakeMachine.RepositoryCalls.Count | Should -BeGreaterThan 0
            $call = $FakeMachine.RepositoryCalls[-1]
            [string]$call.Uri -match '^http://localhost:4444/status/servicestate\?xrfkey=(\w{16})$' | Should -BeTrue
            $call.Headers['X-Qlik-Xrfkey'] | Should -BeExactly $Matches[1]
        }

        It 'refuses a UAC-filtered token other than LocalSystem with exit code 27, before changing anything' {
            Mock Test-RunningAsLocalSystem { $false }
            Mock Test-RunningElevated { $false }
            $run = Invoke-Install

            $run.ExitCode | Should -Be 27
            $run.Stderr | Should -Be "qlik-azure: this script runs without administrator rights (a UAC-filtered token), which the Qlik Sense installer needs; run it as LocalSystem (Run Command's default) or elevated"
            $run.Phases | Should -BeNullOrEmpty
            Should -Invoke New-SmbShare -Times 0 -Exactly
            Should -Invoke Register-ScheduledTask -Times 0 -Exactly
            Should -Invoke Start-Process -Times 0 -Exactly
        }

        It 'refuses an existing share that points elsewhere' {
            $FakeMachine.Shares['QlikShare'] = [pscustomobject]@{ Name = 'QlikShare'; Path = 'E:\OtherShare' }
            $run = Invoke-Install

            $run.ExitCode | Should -Be 2
            $run.Stderr | Should -Be "qlik-azure: share 'QlikShare' already exists for 'E:\OtherShare', not for -SharedFolderPath '$SharedFolder'"
        }

        It 'grants the service account access to an existing share' {
            $FakeMachine.Shares['QlikShare'] = [pscustomobject]@{ Name = 'QlikShare'; Path = $SharedFolder }
            $FakeMachine.ShareAccess['QlikShare'] = @([pscustomobject]@{ AccountName = 'Everyone'; AccessRight = 'Read'; AccessControlType = 'Allow' })
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            Should -Invoke Grant-SmbShareAccess -Times 1 -Exactly -ParameterFilter { $Name -eq 'QlikShare' -and $AccountName -eq 'QSVM01\QlikService' -and $AccessRight -eq 'Full' }
        }
    }

    Context 'invalid parameters' {
        It 'refuses <Case> with exit code 2 before changing anything' -ForEach @(
            @{ Case = 'the FQDN as hostname'; Change = @{ Hostname = 'qsvm01.westeurope.cloudapp.azure.com' }; Message = "qlik-azure: -Hostname 'qsvm01.westeurope.cloudapp.azure.com' is a fully qualified name; the guide (step 40h) requires the machine name without the domain, here 'QSVM01'*" }
            @{ Case = 'another machine name'; Change = @{ Hostname = 'QSVM02' }; Message = "qlik-azure: -Hostname 'QSVM02' is not this machine's name 'QSVM01'*" }
            @{ Case = 'an ftp URL'; Change = @{ InstallerUrl = 'ftp://127.0.0.1/Qlik_Sense_setup.exe' }; Message = 'qlik-azure: -InstallerUrl must be an http(s) URL' }
            @{ Case = 'a malformed checksum'; Change = @{ InstallerSha256 = 'abc' }; Message = 'qlik-azure: -InstallerSha256 must be 64 hexadecimal digits' }
            @{ Case = 'a password with a quote'; Change = @{ RepositoryDbPassword = 'Fake"quote9!' }; Message = 'qlik-azure: -RepositoryDbPassword contains a character the Qlik Sense installer rejects*' }
            @{ Case = 'a timeout that is not a number'; Change = @{ TimeoutMinutes = 'soon' }; Message = "qlik-azure: parameter -TimeoutMinutes must be a whole number from 0 to 1440, got 'soon'" }
        ) {
            $run = Invoke-Install -Change $Change

            $run.ExitCode | Should -Be 2
            $run.Stderr | Should -BeLike $Message
            $WorkDirectory | Should -Not -Exist
            Should -Invoke Register-ScheduledTask -Times 0 -Exactly
        }
    }

    Context 'elevated as the service account (not LocalSystem)' {
        BeforeEach {
            Mock Test-RunningAsLocalSystem { $false }
        }

        It 'starts the installer itself with the silent-install switches, without a scheduled task' {
            $run = Invoke-Install

            $run.ExitCode | Should -Be 0
            $run.Result.changed | Should -BeTrue
            Should -Invoke Start-Process -Times 1 -Exactly -ParameterFilter {
                $FilePath -eq $InstallerPath -and $Wait -and $PassThru -and "$ArgumentList" -ceq $ExpectedArguments
            }
            Should -Invoke Register-ScheduledTask -Times 0 -Exactly
        }
    }

    It 'never printed a password or the SAS signature in any of the runs above' {
        $AllOutput | Should -Not -BeNullOrEmpty
        foreach ($secret in $ServicePassword, $DbPassword, $SasSignature) { $AllOutput.Contains($secret) | Should -BeFalse }
    }
}
