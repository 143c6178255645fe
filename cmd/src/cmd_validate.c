/* loadgate validate PROFILE: every error a run would stop on, without
 * sending a request. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int cmd_validate(int argc, char **argv)
{
    struct loader_profile *prof = NULL;
    struct loader_error perr;
    struct cmd_judge j = {0};
    struct cmd_prepared prep;
    char msg[1200];
    size_t steps = 0;

    if (argc != 2)
        return cmd_usage_error("validate PROFILE",
                               "validate takes exactly one PROFILE");
    if (loader_profile_load(argv[1], &prof, &perr)) {
        loader_error_format(&perr, msg, sizeof(msg));
        cmd_error("%s", msg);
        return GATE_EXIT_USAGE;
    }
    /* thresholds only: a baseline that is absent here may exist in CI */
    j.profile = prof;
    j.profile_path = argv[1];
    j.baseline_spec = NULL;
    memset(&prep, 0, sizeof(prep));
    {
        struct cmd_judge jt = j;
        struct loader_profile copy = *prof;
        copy.baseline = NULL;
        jt.profile = &copy;
        if (cmd_prepare(&jt, &prep)) {
            cmd_error("%s", prep.reason);
            cmd_prepared_release(&prep);
            loader_profile_free(prof);
            return GATE_EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < prof->n_scenarios; i++)
        steps += prof->scenarios[i].n_steps;
    printf("%s: OK (%zu scenario%s, %zu step%s, %zu threshold%s%s; profile "
           "sha256 %.12s)\n",
           argv[1], prof->n_scenarios, prof->n_scenarios == 1 ? "" : "s",
           steps, steps == 1 ? "" : "s", prep.n_thresholds,
           prep.n_thresholds == 1 ? "" : "s",
           prof->n_thresholds ? "" : ", the defaults", prof->sha256);
    cmd_prepared_release(&prep);
    loader_profile_free(prof);
    return 0;
}
