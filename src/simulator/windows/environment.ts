// The environment variables cmd.exe can expand on the simulated Windows VM (cmd-shell.ts).
// Values as on Windows Server 2022 for a process of LocalSystem, Run Command's default account:
// COMPUTERNAME is the NetBIOS name (upper case), and LocalSystem's USERNAME is that name with a `$`
// (the machine account); a runAsUser process gets the user's own name, profile and TEMP.

export function windowsEnvironment(computerName: string, runAsUser?: string): Record<string, string> {
  const machine = computerName.toUpperCase();
  const user = runAsUser?.split('\\').at(-1);
  const profile = user ? `C:\\Users\\${user}` : 'C:\\Windows\\system32\\config\\systemprofile';
  const temp = user ? `${profile}\\AppData\\Local\\Temp` : 'C:\\Windows\\TEMP';
  return {
    ALLUSERSPROFILE: 'C:\\ProgramData',
    COMPUTERNAME: machine,
    ComSpec: 'C:\\Windows\\system32\\cmd.exe',
    OS: 'Windows_NT',
    PATH: 'C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\;C:\\Windows\\System32\\OpenSSH\\',
    ProgramData: 'C:\\ProgramData',
    ProgramFiles: 'C:\\Program Files',
    SystemDrive: 'C:',
    SystemRoot: 'C:\\Windows',
    TEMP: temp,
    TMP: temp,
    USERDOMAIN: user ? machine : 'WORKGROUP',
    USERNAME: user ?? `${machine}$`,
    USERPROFILE: profile,
    windir: 'C:\\Windows',
  };
}
