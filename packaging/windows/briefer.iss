; Inno Setup script for Briefer on Windows: an installer (BrieferSetup-VERSION.exe) for the
; one-folder app that PyInstaller builds (dist\Briefer\).
;
; NOT BUILT OR TESTED: Briefer's machines run Linux only.  This follows Inno Setup 6's
; documentation; build and check it on Windows as packaging\README.md describes:
;
;   py -3.11 -m venv .venv && .venv\Scripts\pip install -e ".[packaging]"
;   .venv\Scripts\pyinstaller --noconfirm packaging\briefer.spec
;   dist\Briefer\briefer-cli.exe --self-test
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\briefer.iss
;
; The installer lands in dist\.  It installs per user by default (no administrator rights),
; or for all users when run elevated; the user's archive (%LOCALAPPDATA%\Briefer) is never
; removed by the uninstaller.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Briefer"
#define AppExe "Briefer.exe"
#define CliExe "briefer-cli.exe"

[Setup]
; The AppId identifies the installation for upgrades and uninstall: never change it.
AppId={{678BD31D-5D16-432B-8AF1-5EBFDFF3EEE0}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=The Briefer team
AppComments=Turn an archive of articles into a sourced briefing
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; PySide6 6.8 and later need Windows 10 1809 or newer
MinVersion=10.0.17763
SourceDir=..\..
OutputDir=dist
OutputBaseFilename=BrieferSetup-{#AppVersion}
SetupIconFile=packaging\icons\briefer.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; close a running Briefer before files are replaced
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; the whole one-folder app; stale files of an older version are removed first (see [InstallDelete])
Source: "dist\Briefer\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{#AppName} self-test"; Filename: "{app}\{#CliExe}"; Parameters: "--self-test"; Comment: "Check that Briefer works"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
