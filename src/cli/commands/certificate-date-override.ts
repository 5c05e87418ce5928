import { parseOverrideDate } from "../../domain/certificates/override-date";
import { CommandError } from "../../errors/command-error";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { UsageError } from "../../errors/usage-error";
import { CertificateDateOverrideService } from "../../services/certificate-generation/certificate-date-override-service";
import { parseIds } from "../args";
import { HELP_OPTION, type CommandBody } from "../command";
import { withAppContext } from "../runtime";

export const certificateDateOverrideCommand: CommandBody = {
  usage: "openedx-workers certificate-date-override --certificate-id ID --acting-user-id ID (--date YYYY-MM-DD --reason TEXT | --clear)",
  details: `The override is stored at midnight UTC of --date, as the admin's help text asks. overridden_by is always the
acting user, on create and on edit; clearing deletes the row. Every change writes a history row
(certificates_historicalcertificatedateoverride) with the acting user.`,
  options: {
    "certificate-id": { type: "string", valueName: "ID", description: "GeneratedCertificate id" },
    "acting-user-id": { type: "string", valueName: "ID", description: "The staff user making the change (recorded as overridden_by)" },
    date: { type: "string", valueName: "YYYY-MM-DD", description: "The date to show" },
    reason: { type: "string", valueName: "TEXT", description: "Why (required with --date)" },
    clear: { type: "boolean", description: "Remove the override" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const [certificateId] = parseIds(options["certificate-id"] ? [String(options["certificate-id"])] : [], "certificate id");
    const [actingUserId] = parseIds(options["acting-user-id"] ? [String(options["acting-user-id"])] : [], "acting user id");
    if (!certificateId) throw new UsageError("--certificate-id is required");
    if (!actingUserId) throw new UsageError("--acting-user-id is required");
    const clear = options.clear === true;
    if (clear === (options.date !== undefined)) throw new UsageError("give either --date with --reason, or --clear");
    let date: Date | undefined;
    if (!clear) {
      const text = String(options.date);
      date = parseOverrideDate(text) ?? undefined;
      if (!date) throw new UsageError(`invalid --date "${text}": use YYYY-MM-DD`);
      if (!options.reason || String(options.reason).trim() === "") throw new UsageError("--reason is required with --date");
    }
    return withAppContext(io, [], async (ctx) => {
      const service = new CertificateDateOverrideService(ctx.dataSource, ctx.certificateSignals);
      try {
        const result = clear
          ? await service.clear({ certificateId, actingUserId })
          : await service.set({ certificateId, actingUserId, date: date!, reason: String(options.reason) });
        io.out(result.action === "none" ? `Certificate ${certificateId} has no date override.` : `Date override ${result.overrideId} ${result.action} for certificate ${certificateId}.`);
        return 0;
      } catch (err) {
        if (err instanceof PermanentJobError) throw new CommandError(err.message);
        throw err;
      }
    });
  },
};
