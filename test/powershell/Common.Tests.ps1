# lib/common.ps1 on its own: a small script that includes it the way the template loader does (after its
# param block) and prints its parameters back through every channel of the protocol.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $common = [IO.File]::ReadAllText((Join-Path $PSScriptRoot '../../templates/lib/common.ps1'))
    $script:EchoScript = Join-Path $TestDrive 'echo.ps1'
    [IO.File]::WriteAllText($EchoScript, @"
[CmdletBinding()]
param([string]`$InstallerUrl, [string]`$QrsUrl, [string]`$AdminPassword, [string]`$LicenseKey, [string]`$Note, [string]`$Fail)
$common
Invoke-QlikMain {
    Write-QlikPhase "url `$InstallerUrl qrs `$QrsUrl password `$AdminPassword key `$LicenseKey note `$Note"
    if (`$Fail) { throw "could not reach `$InstallerUrl" }
    Write-QlikResult ([ordered]@{ installerUrl = `$InstallerUrl; password = `$AdminPassword; note = `$Note })
}
"@)
    $script:Signature = 'FakeSasSignature' + [guid]::NewGuid().ToString('N')
    $script:SasQuery = "sv=2025-01-05&sp=r&sig=$Signature%2Bx%3D"
    $script:BlobPath = 'https://qlikazure.blob.core.windows.net/installers/Qlik_Sense_setup.exe'
    $script:Password = (New-FakeSecret -Label 'admin') + '&\x'
}

Describe 'lib/common.ps1 secret masking' {
    It 'prints a *Url parameter as its host and path, never its query, in phases, results and errors' {
        $run = Invoke-Template -Path $EchoScript -Parameters @{ InstallerUrl = "${BlobPath}?$SasQuery"; AdminPassword = $Password; LicenseKey = 'Fake-license-key' }

        $run.ExitCode | Should -Be 0
        $run.Phases | Should -Be @("url $BlobPath qrs  password *** key *** note ")
        $run.Result.installerUrl | Should -Be $BlobPath
        $run.Result.password | Should -Be '***'
        $failed = Invoke-Template -Path $EchoScript -Parameters @{ InstallerUrl = "${BlobPath}?$SasQuery"; Fail = 'yes' }
        $failed.ExitCode | Should -Be 1
        $failed.Stderr | Should -Be "qlik-azure: unexpected error: could not reach $BlobPath"
        foreach ($text in $run.AllText, $failed.AllText) {
            foreach ($secret in $Signature, 'sv=2025-01-05', $Password) { $text | Should -Not -BeLike "*$secret*" }
        }
    }

    It 'masks the query wherever it appears alone, as sent, escaped by [Uri] or unescaped' {
        $uri = [Uri]"${BlobPath}?$SasQuery"
        $note = "query $SasQuery; escaped $($uri.Query); unescaped $([Uri]::UnescapeDataString($SasQuery))"
        $run = Invoke-Template -Path $EchoScript -Parameters @{ InstallerUrl = "${BlobPath}?$SasQuery"; Note = $note }

        $run.ExitCode | Should -Be 0
        $run.Phases[0] | Should -BeLike "*note query ***; escaped ?***; unescaped ***"
        $run.AllText | Should -Not -BeLike "*$Signature*"
    }

    It 'never prints the user info of a *Url' {
        $run = Invoke-Template -Path $EchoScript -Parameters @{ QrsUrl = 'https://qlik:Fake-userinfo9@QSVM01:4242/qrs' }

        $run.Phases | Should -Be @('url  qrs https://qsvm01:4242/qrs password  key  note ')
        $run.AllText | Should -Not -BeLike '*Fake-userinfo9*'
    }

    It 'prints a *Url without a query as it is' {
        $run = Invoke-Template -Path $EchoScript -Parameters @{ QrsUrl = 'https://QSVM01:4242' }

        $run.Phases | Should -Be @('url  qrs https://QSVM01:4242 password  key  note ')
    }

    It 'masks a *Url that is not an absolute URL whole' {
        $run = Invoke-Template -Path $EchoScript -Parameters @{ InstallerUrl = 'not a url?sig=Fake-relative9' }

        $run.Phases | Should -Be @('url *** qrs  password  key  note ')
    }

    It 'masks a secret inside the result JSON even where JSON escapes it' {
        $run = Invoke-Template -Path $EchoScript -Parameters @{ AdminPassword = $Password; Note = $Password }

        $run.Result.note | Should -Be '***'
        $run.ResultLines[0] | Should -Not -BeLike "*$((ConvertTo-Json -InputObject $Password -Compress).Trim('"'))*"
    }
}
