/** The channel an import announces on when it stored users: servers read their decoy hash schemes again. */
export const decoyChannel = "tessera_decoys";
