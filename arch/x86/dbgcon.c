/* SPDX-License-Identifier: MIT */
/* The debug console's hypervisor side: polling, and the real struct dbgcon_ops. */
#define LOG_MODULE "dbgcon"
#include "arch/x86/dbgcon.h"
#include "arch/x86/apic.h"
#include "arch/x86/core.h"
#include "arch/x86/exception.h"
#include "arch/x86/intrin.h"
#include "arch/x86/reset.h"
#include "arch/x86/vmexit.h"
#include "drivers/dbgcon_line.h"
#include "drivers/uart16550.h"
#include "hyperv/hv.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

/* Polling period on the console CPU, in TSC ticks (about 0.5 ms at 2 GHz; in Bochs, whose
 * TSC follows emulated instructions, about 100 ms of emulated time). */
#define DBGCON_POLL_TICKS (1ULL << 20)
/* How long the console waits for another VP to answer a snapshot request. */
#define DBGCON_ANSWER_SPINS 20000000u

/* Owned by the console CPU (the BSP): nobody else touches it. */
static struct {
	u16 port;
	bool ready;
	struct dbgcon_line line;
	struct dbgcon_exit_stat exit_base[DBGCON_EXIT_REASONS];
	struct dbgcon_exit_stat hcall_base[DBGCON_HCALL_CODES];
} con;

static void con_out(const char *s, size_t n)
{
	if (con.port)
		uart_write(con.port, s, n);
}

static void line_out(const char *s, size_t n, void *ctx)
{
	con_out(s, n);
}

void dbgcon_init(u16 uart_port)
{
	con.port = uart_port;
	con.ready = uart_port != 0;
	dbgcon_line_init(&con.line, line_out, NULL);
}

u64 dbgcon_next_poll; /* owned by the console's CPU */
bool dbgcon_timing;   /* the console is open: exits and hypercalls are timed */

bool dbgcon_cpu(const struct vcpu *v)
{
	return con.ready && core.bi && v->index == core.bi->bsp_index;
}

bool dbgcon_is_open(void)
{
	return dbgcon_line_is_open(&con.line);
}

/* ---- the machine, as the commands see it ----------------------------------------- */

static u32 ops_vp_count(void)
{
	return vcpu_count();
}

static const char *vp_state(const struct vcpu *v)
{
	if (!__atomic_load_n(&v->launched, __ATOMIC_ACQUIRE))
		return "off";
	if (v->state == VCPU_STOPPED)
		return "stopped";
	if (__atomic_load_n(&v->parked, __ATOMIC_ACQUIRE))
		return "parked";
	if (__atomic_load_n(&v->paused, __ATOMIC_ACQUIRE))
		return "paused";
	return "running";
}

static int ops_vp_info(u32 i, struct dbgcon_vp_info *out)
{
	const struct vcpu *v = vcpu_get(i);

	*out = (struct dbgcon_vp_info){ i, v->apic_id, v->active_vtl, vp_state(v), v->exits };
	return 0;
}

static int ops_vp_regs(u32 i, u32 vtl, struct vcpu_snapshot *out)
{
	struct vcpu *v = vcpu_get(i);

	if (dbgcon_cpu(v)) { /* our own VP: its VMCS is the current one */
		vcpu_take_snapshot(v);
	} else if (v->state != VCPU_STOPPED) { /* a stopped VP took its last snapshot */
		if (!__atomic_load_n(&v->launched, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&v->parked, __ATOMIC_ACQUIRE))
			return -EBUSY;
		u32 seq = __atomic_load_n(&v->snap_seq, __ATOMIC_ACQUIRE);
		__atomic_or_fetch(&v->work.kick, VCPU_KICK_SNAPSHOT, __ATOMIC_SEQ_CST);
		vcpu_kick_nmi(v);
		u32 spins = 0;
		while (__atomic_load_n(&v->snap_seq, __ATOMIC_ACQUIRE) == seq) {
			if (++spins == DBGCON_ANSWER_SPINS)
				return -ETIMEDOUT;
			cpu_relax();
		}
	}
	*out = v->snap;
	/* Only the running VTL's VMCS can be read: another VTL's state is not there. */
	return out->vtl == vtl ? 0 : -ESRCH;
}

static u32 ops_vtl_count(void)
{
	u32 n = 1;

	while (n < CORE_VTLS && core.eptp[n]) /* the VTLs with a view: enabled ones */
		n++;
	return n;
}

static int ops_gpa_lookup(u32 vtl, u64 gpa, u64 *hpa, struct pt_attr *a, unsigned *level)
{
	/* The EPT is shared by all CPUs and never changes after takeover today: no lock. */
	return vtl >= CORE_VTLS || !core.ept[vtl].root_pa ?
		       -ENOENT :
		       pt_lookup(&core.ept[vtl], gpa, hpa, a, level);
}

static int ops_gpa_walk(u32 vtl, u64 start, u64 size, pt_walk_fn fn, void *ctx)
{
	return vtl >= CORE_VTLS || !core.ept[vtl].root_pa ?
		       -ENOENT :
		       pt_walk(&core.ept[vtl], start, size, fn, ctx);
}

static void ops_exit_stats(struct dbgcon_exit_stat *out, u32 n)
{
	for (u32 r = 0; r < n; r++) {
		out[r] = (struct dbgcon_exit_stat){ 0, 0 };
		for (u32 i = 0; r < EXIT_REASON_MAX && i < vcpu_count(); i++) {
			out[r].count += vcpu_get(i)->exit_count[r];
			out[r].cycles += vcpu_get(i)->exit_cycles[r];
		}
		out[r].count -= con.exit_base[r].count;
		out[r].cycles -= con.exit_base[r].cycles;
	}
}

static void ops_hcall_stats(struct dbgcon_exit_stat *out, u32 n)
{
	for (u32 c = 0; c < n; c++) {
		out[c] = (struct dbgcon_exit_stat){ 0, 0 };
		for (u32 i = 0; c < HV_STATS_CODES && i < vcpu_count(); i++) {
			out[c].count += hv_stats[i].count[c];
			out[c].cycles += hv_stats[i].cycles[c];
		}
		out[c].count -= con.hcall_base[c].count;
		out[c].cycles -= con.hcall_base[c].cycles;
	}
}

/* Counters belong to their VPs' CPUs and are never written by the console: a reset
 * remembers a baseline instead (no lock on the exit path). */
static void ops_stats_reset(void)
{
	memset(con.exit_base, 0, sizeof(con.exit_base));
	memset(con.hcall_base, 0, sizeof(con.hcall_base));
	ops_exit_stats(con.exit_base, DBGCON_EXIT_REASONS);
	ops_hcall_stats(con.hcall_base, DBGCON_HCALL_CODES);
}

static size_t ops_log_tail(char *buf, size_t n, unsigned lines)
{
	return log_ring_copy_tail(buf, n, lines);
}

static int ops_log_level(const char *module, int level)
{
	if (level < 0)
		return (int)log_get_level(module);
	if (!module) {
		log_set_level((enum log_level)level);
		return 0;
	}
	return log_set_module_level(module, (enum log_level)level);
}

static int ops_vp_pause(u32 i, bool pause)
{
	struct vcpu *v = vcpu_get(i);

	if (!__atomic_load_n(&v->launched, __ATOMIC_ACQUIRE) || v->state == VCPU_STOPPED)
		return -EBUSY;
	__atomic_store_n(&v->paused, pause, __ATOMIC_RELEASE);
	if (!dbgcon_cpu(v)) {
		__atomic_or_fetch(&v->work.kick, VCPU_KICK_WAKE, __ATOMIC_SEQ_CST);
		vcpu_kick_nmi(v); /* a paused VP takes it at its next exit: this one */
	}
	return 0;
}

static int ops_vp_nmi(u32 i)
{
	struct vcpu *v = vcpu_get(i);

	if (!__atomic_load_n(&v->launched, __ATOMIC_ACQUIRE) || v->state == VCPU_STOPPED)
		return -EBUSY;
	if (dbgcon_cpu(v)) {
		v->work.nmi_for_guest = 1;
		return 0;
	}
	__atomic_or_fetch(&v->work.kick, VCPU_KICK_NMI, __ATOMIC_SEQ_CST);
	vcpu_kick_nmi(v);
	return 0;
}

static const struct dbgcon_ops real_ops = {
	.vp_count = ops_vp_count,
	.vp_info = ops_vp_info,
	.vp_regs = ops_vp_regs,
	.vtl_count = ops_vtl_count,
	.gpa_lookup = ops_gpa_lookup,
	.gpa_walk = ops_gpa_walk,
	.exit_stats = ops_exit_stats,
	.exit_name = vmexit_name,
	.hcall_stats = ops_hcall_stats,
	.stats_reset = ops_stats_reset,
	.log_tail = ops_log_tail,
	.log_level = ops_log_level,
	.vp_pause = ops_vp_pause,
	.vp_nmi = ops_vp_nmi,
	.reboot = platform_reset,
	.out = con_out,
};

void dbgcon_poll(struct vcpu *v, bool force)
{
	u64 now = rdtsc();
	const char *line;

	if (!force && now < dbgcon_next_poll)
		return;
	dbgcon_next_poll = now + DBGCON_POLL_TICKS;
	/* At most a burst per poll: a flood of input never starves the guest. */
	for (int i = 0; i < 64; i++) {
		int c = uart_getc(con.port);
		if (c < 0)
			break;
		switch (dbgcon_line_feed(&con.line, (u8)c, &line)) {
		case DBGCON_LINE:
			if (!strcmp(line, "exit")) {
				dbgcon_line_close(&con.line);
				break;
			}
			{
				char cmd[DBGCON_LINE_MAX + 1];
				strlcpy(cmd, line, sizeof(cmd));
				dbgcon_run(&real_ops, cmd);
			}
			dbgcon_line_prompt(&con.line);
			break;
		default:
			break;
		}
	}
	bool timing = dbgcon_line_is_open(&con.line);
	if (timing && !dbgcon_timing) {
		/* From now on every exit goes through vcpu_exit(), which times it: publish,
		 * then zero each VP's fast exits (it resets them, then looks: Dekker). */
		__atomic_store_n(&dbgcon_timing, true, __ATOMIC_SEQ_CST);
		for (u32 i = 0; i < vcpu_count(); i++)
			__atomic_store_n(&vcpu_get(i)->fast_exits_left, 0, __ATOMIC_SEQ_CST);
	}
	dbgcon_timing = timing;
}
