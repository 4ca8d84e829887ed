/*
 * A small iSCSI initiator on libiscsi for the multipath tests, for what no installed libiscsi tool
 * does: PERSISTENT RESERVE OUT (sg_persist needs a kernel SCSI device), and writing round-robin over
 * two paths to one LU the way dm-multipath does, a failed path taken out of use. Every SCSI command
 * is encoded and decoded by libiscsi itself, never by snipblock's code.
 *
 *   iscsi-paths steps INITIATOR URL STEP...
 *     register:KEY[:aptpl]  reserve:KEY:TYPE  release:KEY:TYPE  readres  write:LBA:BYTE  read:LBA
 *     reserve6  release6 (SPC-2)  wce (MODE SENSE: the caching page's WCE)  wce:0|1 (MODE SELECT it)
 *     rtpg (REPORT TARGET PORT GROUPS: " TAG:STATE..." in the answer's order)  stpg:TAG (SET TARGET
 *     PORT GROUPS asking group TAG to become active/optimized; libiscsi has no helper for either, so
 *     the CDB and parameter list are built here and sent with iscsi_scsi_command_sync)
 *     hold: prints "hold WAITING", then keeps the session (a TEST UNIT READY a second, so the target
 *     sees it alive) until a line arrives on stdin or 120 s passed: the steps after it run on the
 *     same nexus, what an SPC-2 reservation (released when its nexus logs out) needs.
 *     pause: prints "pause WAITING", then sends nothing until a line arrives on stdin or 30 s passed
 *     (the target pings an idle session after 10 s and drops it 30 s later), then "pause GOOD": unlike
 *     hold, no command takes the unit attentions raised meanwhile. tur: one TEST UNIT READY whose unit
 *     attention is reported (CHECK_CONDITION 6/2a/06), not retried: what a change raised on this nexus.
 *     One session; one line a step: "STEP STATUS [detail]" (GOOD, RESERVATION_CONFLICT, CHECK_CONDITION
 *     k/asc/ascq, ERROR text). Unit attentions are retried (up to 8 times), as initiators do, except
 *     by tur.
 *   iscsi-paths roundrobin INITIATOR URL1 URL2 WRITES SEED
 *     Write i (8 blocks at LBA 8*i, a pattern of SEED and i) goes to path i%2 while both live; a
 *     path whose command fails is dropped and the write sent again on the other. Prints "acked N"
 *     every 100, "lost PATH after N: why" and "done N"; exit 1 when no path is left.
 *   iscsi-paths verify INITIATOR URL WRITES SEED
 *     Reads back what roundrobin wrote; "verified N" or "mismatch at write I".
 *
 * URLs may carry CHAP credentials: iscsi://USER%SECRET@HOST:PORT/TARGET/LUN.
 * Built by the tests with: gcc -o iscsi-paths iscsi-paths.c -liscsi
 */
#include <inttypes.h>
#include <poll.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define BLOCKS 8

struct path { struct iscsi_context *iscsi; int lun; int block_size; };

static int is_unit_attention(struct scsi_task *t);

static int open_path(const char *initiator, const char *url, struct path *p, char *why, size_t n) {
  p->iscsi = iscsi_create_context(initiator);
  struct iscsi_url *u = iscsi_parse_full_url(p->iscsi, url);
  if (u == NULL) {
    snprintf(why, n, "bad url: %s", iscsi_get_error(p->iscsi));
    return -1;
  }
  iscsi_set_targetname(p->iscsi, u->target);
  iscsi_set_session_type(p->iscsi, ISCSI_SESSION_NORMAL);
  iscsi_set_header_digest(p->iscsi, ISCSI_HEADER_DIGEST_NONE_CRC32C);
  /* A fixed ISID, as open-iscsi keeps one per interface: each run is then the same initiator port
     (I_T nexus), so a reservation taken by one run is held by the next. */
  iscsi_set_isid_random(p->iscsi, 0x5eed, 0);
  iscsi_set_noautoreconnect(p->iscsi, 1);
  iscsi_set_timeout(p->iscsi, 90);
  if (u->user[0] != '\0') {
    iscsi_set_initiator_username_pwd(p->iscsi, u->user, u->passwd);
  }
  p->lun = u->lun;
  /* Connect and log in only: iscsi_full_connect_sync also sends TEST UNIT READY and fails on its
     NOT READY, which a standby path answers (ALUA allows it no media access). */
  int rc = iscsi_connect_sync(p->iscsi, u->portal);
  if (rc == 0) {
    rc = iscsi_login_sync(p->iscsi);
  }
  iscsi_destroy_url(u);
  if (rc != 0) {
    snprintf(why, n, "login failed: %s", iscsi_get_error(p->iscsi));
    return -1;
  }
  p->block_size = 512;
  struct scsi_task *t = NULL;
  for (int tries = 0; tries < 8; tries++) { /* the new nexus's unit attentions come first */
    if (t != NULL) {
      scsi_free_scsi_task(t);
    }
    t = iscsi_readcapacity16_sync(p->iscsi, p->lun);
    if (!is_unit_attention(t)) {
      break;
    }
  }
  if (t != NULL && t->status == SCSI_STATUS_GOOD) {
    struct scsi_readcapacity16 *rc16 = scsi_datain_unmarshall(t);
    if (rc16 != NULL) {
      p->block_size = rc16->block_length;
    }
  }
  if (t != NULL) {
    scsi_free_scsi_task(t);
  }
  return 0;
}

/* The task's outcome in words; NULL task = transport failure. */
static void describe(struct path *p, struct scsi_task *t, char *out, size_t n) {
  if (t == NULL) {
    snprintf(out, n, "ERROR %s", iscsi_get_error(p->iscsi));
  } else if (t->status == SCSI_STATUS_GOOD) {
    snprintf(out, n, "GOOD");
  } else if (t->status == SCSI_STATUS_RESERVATION_CONFLICT) {
    snprintf(out, n, "RESERVATION_CONFLICT");
  } else if (t->status == SCSI_STATUS_CHECK_CONDITION) {
    snprintf(out, n, "CHECK_CONDITION %x/%02x/%02x", t->sense.key, t->sense.ascq >> 8, t->sense.ascq & 0xff);
  } else {
    snprintf(out, n, "ERROR status 0x%x %s", t->status, iscsi_get_error(p->iscsi));
  }
}

static int is_unit_attention(struct scsi_task *t) {
  return t != NULL && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_UNIT_ATTENTION;
}

static void pattern(unsigned char *buf, size_t len, uint64_t seed, uint64_t i) {
  for (size_t j = 0; j < len; j++) {
    buf[j] = (unsigned char) ((seed * 131 + i * 7 + j * 13 + (j >> 9)) & 0xff);
  }
  memcpy(buf, &i, sizeof i);
}

static struct scsi_task *run_step(struct path *p, const char *step, char *detail, size_t n) {
  uint64_t key = 0, lba = 0;
  unsigned int type = 0, byte = 0;
  char extra[16] = "";
  detail[0] = '\0';
  if (sscanf(step, "register:%" SCNx64 ":%15s", &key, extra) >= 1) {
    struct scsi_persistent_reserve_out_basic b = {0};
    b.service_action_reservation_key = key;
    b.aptpl = strcmp(extra, "aptpl") == 0;
    return iscsi_persistent_reserve_out_sync(p->iscsi, p->lun, SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY,
        SCSI_PERSISTENT_RESERVE_SCOPE_LU, 0, &b);
  }
  if (sscanf(step, "reserve:%" SCNx64 ":%u", &key, &type) == 2 || sscanf(step, "release:%" SCNx64 ":%u", &key, &type) == 2) {
    struct scsi_persistent_reserve_out_basic b = {0};
    b.reservation_key = key;
    int sa = step[2] == 's' ? SCSI_PERSISTENT_RESERVE_RESERVE : SCSI_PERSISTENT_RESERVE_RELEASE;
    return iscsi_persistent_reserve_out_sync(p->iscsi, p->lun, sa, SCSI_PERSISTENT_RESERVE_SCOPE_LU, type, &b);
  }
  if (strcmp(step, "hold") == 0) {
    printf("hold WAITING\n");
    fflush(stdout);
    time_t until = time(NULL) + 120;
    struct pollfd in = {.fd = 0, .events = POLLIN};
    while (time(NULL) < until && poll(&in, 1, 1000) == 0) {
      struct scsi_task *tur = iscsi_testunitready_sync(p->iscsi, p->lun);
      if (tur == NULL) {
        return NULL; /* the session is gone: the step fails with the transport's error */
      }
      scsi_free_scsi_task(tur);
    }
    char line[16];
    if (time(NULL) >= until || fgets(line, sizeof line, stdin) == NULL) {
      snprintf(detail, n, " (no line within 120 s)");
    }
    struct scsi_task *t = NULL;
    for (int tries = 0; tries < 8; tries++) { /* its unit attentions taken here: "hold" must not run again */
      if (t != NULL) {
        scsi_free_scsi_task(t);
      }
      t = iscsi_testunitready_sync(p->iscsi, p->lun);
      if (!is_unit_attention(t)) {
        break;
      }
    }
    return t;
  }
  if (strcmp(step, "tur") == 0) {
    return iscsi_testunitready_sync(p->iscsi, p->lun);
  }
  if (strcmp(step, "rtpg") == 0) {
    unsigned char cdb[12] = {0xa3, 0x0a, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}; /* allocation length 256 */
    struct scsi_task *task = scsi_create_task(12, cdb, SCSI_XFER_READ, 256);
    struct scsi_task *t = iscsi_scsi_command_sync(p->iscsi, p->lun, task, NULL);
    if (t != NULL && t->status == SCSI_STATUS_GOOD && t->datain.size >= 4) {
      size_t used = 0;
      for (int at = 4; at + 12 <= t->datain.size && used + 16 < n; at += 12) {
        used += snprintf(detail + used, n - used, " %d:%d", (t->datain.data[at + 2] << 8) | t->datain.data[at + 3],
            t->datain.data[at] & 0x0f);
      }
    }
    return t;
  }
  unsigned int group = 0;
  if (sscanf(step, "stpg:%u", &group) == 1) {
    unsigned char cdb[12] = {0xa4, 0x0a, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0}; /* parameter list: 8 bytes */
    static unsigned char list[8];
    memset(list, 0, sizeof list);
    list[4] = 0x00; /* active/optimized */
    list[6] = (unsigned char) (group >> 8);
    list[7] = (unsigned char) group;
    struct iscsi_data out = {.size = sizeof list, .data = list};
    struct scsi_task *task = scsi_create_task(12, cdb, SCSI_XFER_WRITE, sizeof list);
    return iscsi_scsi_command_sync(p->iscsi, p->lun, task, &out);
  }
  if (strcmp(step, "reserve6") == 0) {
    return iscsi_reserve6_sync(p->iscsi, p->lun);
  }
  if (strcmp(step, "release6") == 0) {
    return iscsi_release6_sync(p->iscsi, p->lun);
  }
  if (strncmp(step, "wce", 3) == 0 && (step[3] == '\0' || step[3] == ':')) {
    struct scsi_task *t = iscsi_modesense6_sync(p->iscsi, p->lun, 1, SCSI_MODESENSE_PC_CURRENT,
        SCSI_MODEPAGE_CACHING, 0, 255);
    if (t == NULL || t->status != SCSI_STATUS_GOOD) {
      return t;
    }
    struct scsi_mode_sense *ms = scsi_datain_unmarshall(t);
    struct scsi_mode_page *page = ms == NULL ? NULL : scsi_modesense_get_page(ms, SCSI_MODEPAGE_CACHING, 0);
    if (page == NULL) {
      snprintf(detail, n, " no caching page");
      return t;
    }
    if (step[3] == '\0') {
      snprintf(detail, n, " wce=%d", page->caching.wce ? 1 : 0);
      return t;
    }
    page->caching.wce = atoi(step + 4);
    struct scsi_task *select = iscsi_modeselect6_sync(p->iscsi, p->lun, 1, 0, page);
    scsi_free_scsi_task(t); /* after the select: the page lives in the sense task's memory */
    return select;
  }
  if (strcmp(step, "readres") == 0) {
    struct scsi_task *t = iscsi_persistent_reserve_in_sync(p->iscsi, p->lun, SCSI_PERSISTENT_RESERVE_READ_RESERVATION, 256);
    if (t != NULL && t->status == SCSI_STATUS_GOOD) {
      struct scsi_persistent_reserve_in_read_reservation *r = scsi_datain_unmarshall(t);
      if (r != NULL && r->reserved) {
        snprintf(detail, n, " key=%" PRIx64 " type=%u", r->reservation_key, r->pr_type);
      } else {
        snprintf(detail, n, " none");
      }
    }
    return t;
  }
  if (sscanf(step, "write:%" SCNu64 ":%x", &lba, &byte) == 2) {
    unsigned char *buf = malloc(p->block_size);
    memset(buf, byte, p->block_size);
    struct scsi_task *t = iscsi_write16_sync(p->iscsi, p->lun, lba, buf, p->block_size, p->block_size, 0, 0, 0, 0, 0);
    free(buf);
    return t;
  }
  if (sscanf(step, "read:%" SCNu64, &lba) == 1) {
    struct scsi_task *t = iscsi_read16_sync(p->iscsi, p->lun, lba, p->block_size, p->block_size, 0, 0, 0, 0, 0);
    if (t != NULL && t->status == SCSI_STATUS_GOOD && t->datain.size > 0) {
      snprintf(detail, n, " %02x", t->datain.data[0]);
    }
    return t;
  }
  fprintf(stderr, "iscsi-paths: unknown step %s\n", step);
  exit(2);
}

/* Waits for a line on stdin (at most 30 s) without a word to the target. */
static void wait_quietly(void) {
  printf("pause WAITING\n");
  fflush(stdout);
  struct pollfd in = {.fd = 0, .events = POLLIN};
  char line[16];
  if (poll(&in, 1, 30000) > 0 && fgets(line, sizeof line, stdin) != NULL) {
    printf("pause GOOD\n");
  } else {
    printf("pause GOOD (no line within 30 s)\n");
  }
  fflush(stdout);
}

static int steps(const char *initiator, const char *url, int count, char **list) {
  struct path p;
  char why[512];
  if (open_path(initiator, url, &p, why, sizeof why) != 0) {
    printf("login ERROR %s\n", why);
    return 1;
  }
  for (int s = 0; s < count; s++) {
    char detail[128], outcome[512];
    if (strcmp(list[s], "pause") == 0) {
      wait_quietly();
      continue;
    }
    struct scsi_task *t = NULL;
    for (int tries = 0; tries < 8; tries++) {
      if (t != NULL) {
        scsi_free_scsi_task(t);
      }
      t = run_step(&p, list[s], detail, sizeof detail);
      if (!is_unit_attention(t) || strcmp(list[s], "tur") == 0) {
        break;
      }
    }
    describe(&p, t, outcome, sizeof outcome);
    printf("%s %s%s\n", list[s], outcome, t != NULL && t->status == SCSI_STATUS_GOOD ? detail : "");
    fflush(stdout);
    if (t != NULL) {
      scsi_free_scsi_task(t);
    }
  }
  iscsi_logout_sync(p.iscsi);
  iscsi_destroy_context(p.iscsi);
  return 0;
}

/* One write on one path, unit attentions retried; 0 when it was acknowledged GOOD. */
static int write_on(struct path *p, uint64_t i, uint64_t seed, char *why, size_t n) {
  size_t len = (size_t) p->block_size * BLOCKS;
  unsigned char *buf = malloc(len);
  pattern(buf, len, seed, i);
  struct scsi_task *t = NULL;
  for (int tries = 0; tries < 8; tries++) {
    if (t != NULL) {
      scsi_free_scsi_task(t);
    }
    t = iscsi_write16_sync(p->iscsi, p->lun, i * BLOCKS, buf, len, p->block_size, 0, 0, 0, 0, 0);
    if (!is_unit_attention(t)) {
      break;
    }
  }
  free(buf);
  int ok = t != NULL && t->status == SCSI_STATUS_GOOD;
  if (!ok) {
    describe(p, t, why, n);
  }
  if (t != NULL) {
    scsi_free_scsi_task(t);
  }
  return ok ? 0 : -1;
}

static int roundrobin(const char *initiator, const char *url1, const char *url2, uint64_t writes, uint64_t seed) {
  struct path paths[2];
  int alive[2] = {1, 1};
  char why[512];
  const char *urls[2] = {url1, url2};
  for (int k = 0; k < 2; k++) {
    if (open_path(initiator, urls[k], &paths[k], why, sizeof why) != 0) {
      printf("login ERROR path %d: %s\n", k + 1, why);
      return 1;
    }
  }
  for (uint64_t i = 0; i < writes; i++) {
    int k = alive[i % 2] ? (int) (i % 2) : (int) (1 - i % 2);
    while (write_on(&paths[k], i, seed, why, sizeof why) != 0) {
      printf("lost %d after %" PRIu64 ": %s\n", k + 1, i, why);
      fflush(stdout);
      alive[k] = 0;
      k = 1 - k;
      if (!alive[k]) {
        printf("no path left at write %" PRIu64 "\n", i);
        return 1;
      }
    }
    if ((i + 1) % 100 == 0) {
      printf("acked %" PRIu64 "\n", i + 1);
      fflush(stdout);
    }
  }
  printf("done %" PRIu64 "\n", writes);
  return 0;
}

static int verify(const char *initiator, const char *url, uint64_t writes, uint64_t seed) {
  struct path p;
  char why[512];
  if (open_path(initiator, url, &p, why, sizeof why) != 0) {
    printf("login ERROR %s\n", why);
    return 1;
  }
  size_t len = (size_t) p.block_size * BLOCKS;
  unsigned char *want = malloc(len);
  for (uint64_t i = 0; i < writes; i++) {
    struct scsi_task *t = NULL;
    for (int tries = 0; tries < 8; tries++) {
      if (t != NULL) {
        scsi_free_scsi_task(t);
      }
      t = iscsi_read16_sync(p.iscsi, p.lun, i * BLOCKS, len, p.block_size, 0, 0, 0, 0, 0);
      if (!is_unit_attention(t)) {
        break;
      }
    }
    pattern(want, len, seed, i);
    if (t == NULL || t->status != SCSI_STATUS_GOOD || t->datain.size != (int) len || memcmp(t->datain.data, want, len) != 0) {
      describe(&p, t, why, sizeof why);
      printf("mismatch at write %" PRIu64 " (%s)\n", i, why);
      return 1;
    }
    scsi_free_scsi_task(t);
  }
  printf("verified %" PRIu64 "\n", writes);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "steps") == 0) {
    return steps(argv[2], argv[3], argc - 4, argv + 4);
  }
  if (argc == 7 && strcmp(argv[1], "roundrobin") == 0) {
    return roundrobin(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10), strtoull(argv[6], NULL, 10));
  }
  if (argc == 6 && strcmp(argv[1], "verify") == 0) {
    return verify(argv[2], argv[3], strtoull(argv[4], NULL, 10), strtoull(argv[5], NULL, 10));
  }
  fprintf(stderr, "usage: iscsi-paths steps INITIATOR URL STEP... | roundrobin INITIATOR URL1 URL2 WRITES SEED"
      " | verify INITIATOR URL WRITES SEED\n");
  return 2;
}
