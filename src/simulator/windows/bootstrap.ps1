# Runs one Run Command script on the stand-in Windows machine: pwsh -File bootstrap.ps1 <script> <argv...>.
# The argv words reach the script as `powershell -File script.ps1 <argv...>` would hand them over; the
# script's exit code, stdout and stderr are the run's.
$PSStyle.OutputRendering = 'PlainText'
$script = $args[0]
$words = @($args | Select-Object -Skip 1)
Import-Module (Join-Path $PSScriptRoot 'windows-standin.psm1')
# As powershell.exe -File: an error that ends the script is printed and the exit code is 1.
try { & $script @words } catch { [Console]::Error.WriteLine(($_ | Out-String)); exit 1 }
exit $LASTEXITCODE
