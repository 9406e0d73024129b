/** The lazily loaded pieces of the actions screens: each fetched the first time it is shown (lazy.tsx). */
import { lazyComponent } from './lazy.js';

export const ConfirmDialog = lazyComponent(() => import('./dialog.js').then((m) => m.ConfirmDialog));
export const ReportDialog = lazyComponent(() => import('./report.js').then((m) => m.ReportDialog));
export const SessionsSection = lazyComponent(() => import('../screens/sessions.js').then((m) => m.SessionsSection));
export const PushSection = lazyComponent(() => import('../screens/push.js').then((m) => m.PushSection));
export const ForgotPassword = lazyComponent(() => import('../screens/password-reset.js').then((m) => m.ForgotPassword));
export const ResetPassword = lazyComponent(() => import('../screens/password-reset.js').then((m) => m.ResetPassword));
export const CaptionForm = lazyComponent(() => import('../screens/caption-form.js').then((m) => m.CaptionForm));
