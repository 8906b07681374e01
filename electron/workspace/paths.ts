/**
 * Where the workspace lives. The desktop app, the CLI and the browser host share one folder:
 * `--workspace DIR` > SCORESCOPE_WORKSPACE > the per-user app-data folder Electron uses for
 * ScoreScope (`app.getPath('userData')`) + `/workspace`.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const APP_NAME = 'ScoreScope';

/** Mirrors Electron's userData path for the app name, without needing Electron. */
export function userDataDirectory(platform = process.platform, env = process.env): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), APP_NAME);
}

export function resolveWorkspace(explicit?: string, env = process.env): string {
  if (explicit) return resolve(explicit);
  if (env['SCORESCOPE_WORKSPACE']) return resolve(env['SCORESCOPE_WORKSPACE']);
  return join(userDataDirectory(process.platform, env), 'workspace');
}
