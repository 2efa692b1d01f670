/*
 * format_int.h - private layout constants of channel-file format version 1.
 * format/SPEC.md is the normative description; the tables there and here
 * must agree.
 *
 * Header (112 bytes, offset 0):
 *   OFFSET SIZE MEANING
 *   0x00   8    magic 89 43 46 43 0D 0A 1A 0A ("\x89CFC\r\n\x1a\n")
 *   0x08   2    format version (1)
 *   0x0A   2    header size (112)
 *   0x0C   4    flags: bit 0 = has source map; other bits zero
 *   0x10   8    file size, trailer included
 *   0x18   4    channel (>= 1)
 *   0x1C   4    reserved, zero
 *   0x20   8    content version (1 .. 2^63-1)
 *   0x28   8    template name (string reference)
 *   0x30   2    template id (>= 1)
 *   0x32   2    field count (1 .. 255)
 *   0x34   4    template version (>= 1)
 *   0x38   32   template fingerprint
 *   0x58   8    requires_sensor (string reference; length 0 = none)
 *   0x60   4    instance count (0 .. 2^24)
 *   0x64   4    section count (3, or 4 with a source map)
 *   0x68   8    reserved, zero
 *
 * A string reference is (offset u32, length u32) into the string pool; the
 * byte at offset+length is NUL. The pool is canonical: each string once,
 * placed in order of first use in layout order, referenced whole, no byte
 * unused. A source map locates every instance (file, line, col nonzero) and
 * every criterion but a wildcard (line, col nonzero); a wildcard's are 0.
 * Reserved bytes and unused operands must be 0 (format/SPEC.md).
 *
 * Section table entry (24 bytes), section_count entries from 0x70:
 *   0x00 4 type (1 fields, 2 instances, 3 strings, 4 source map), in that order
 *   0x04 4 reserved, zero
 *   0x08 8 offset of the section
 *   0x10 8 size of the section
 * Sections follow the table back to back; the 4-byte trailer follows the last.
 */
#ifndef CF_FORMAT_INT_H
#define CF_FORMAT_INT_H

#include <stdint.h>
#include <string.h>

#include "format/le.h"

#define CF_MAGIC "\x89\x43\x46\x43\x0d\x0a\x1a\x0a"
#define CF_MAGIC_SIZE 8u
#define CF_HEADER_SIZE 112u
#define CF_SECTION_ENTRY_SIZE 24u
#define CF_TRAILER_SIZE 4u

#define CF_FLAG_SOURCE_MAP 0x1u

/* Header field offsets (public as CF_HDR_* in <cf/format.h>). */
#define H_MAGIC CF_HDR_MAGIC
#define H_VERSION CF_HDR_VERSION
#define H_HEADER_SIZE CF_HDR_HEADER_SIZE
#define H_FLAGS CF_HDR_FLAGS
#define H_FILE_SIZE CF_HDR_FILE_SIZE
#define H_CHANNEL CF_HDR_CHANNEL
#define H_RESERVED1 CF_HDR_RESERVED1
#define H_CONTENT_VERSION CF_HDR_CONTENT_VERSION
#define H_TEMPLATE_NAME CF_HDR_TEMPLATE_NAME
#define H_TEMPLATE_ID CF_HDR_TEMPLATE_ID
#define H_FIELD_COUNT CF_HDR_FIELD_COUNT
#define H_TEMPLATE_VERSION CF_HDR_TEMPLATE_VERSION
#define H_FINGERPRINT CF_HDR_FINGERPRINT
#define H_REQUIRES_SENSOR CF_HDR_REQUIRES_SENSOR
#define H_INSTANCE_COUNT CF_HDR_INSTANCE_COUNT
#define H_SECTION_COUNT CF_HDR_SECTION_COUNT
#define H_RESERVED2 CF_HDR_RESERVED2

enum { SEC_FIELDS = 1, SEC_INSTANCES = 2, SEC_STRINGS = 3, SEC_SOURCE_MAP = 4 };

/* Field record (12 bytes): name (string reference), type u8, 3 reserved. */
#define FIELD_SIZE 12u
/* Instance record: 16-byte head then field_count criteria of 24 bytes.
 *   0x00 4 id   0x04 1 action   0x05 1 severity   0x06 2 reserved
 *   0x08 8 name (string reference; length 0 = none) */
#define INSTANCE_HEAD_SIZE 16u
/* Criterion (24 bytes):
 *   0x00 1 kind   0x01 1 flags   0x02 6 reserved
 *   0x08 8 lo (or string offset)   0x10 8 hi (or string length) */
#define CRITERION_SIZE 24u
/* Source-map record: 16-byte head (file string reference, line u32, col
 * u32) then field_count (line u32, col u32) pairs. */
#define SMAP_HEAD_SIZE 16u
#define SMAP_CRIT_SIZE 8u


#endif
