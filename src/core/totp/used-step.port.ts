/** Where the last RFC 6238 time step accepted for one TOTP secret is kept (implemented in `src/store/totp/`). */
export interface UsedTotpSteps {
  /**
   * Records `step` as used for the secret's `holder`, in one statement (atomic under
   * concurrency): false when that step or a later one was used already, or there is no such holder.
   */
  claim(holder: string, step: number): Promise<boolean>;
}
