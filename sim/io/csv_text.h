/* csv_text.h — reading and writing the comma-separated files f3sim writes
 * (compare.csv, epochs.csv, tiles.csv, sweep.csv, pareto.csv): RFC 4180
 * quoting ("a, b" and "" for a quote inside). */
#ifndef F3SIM_CSV_TEXT_H
#define F3SIM_CSV_TEXT_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    char **cell; /* (n) pointers into buf */
    size_t n;
    char *buf;
} csv_row;

/* Split one line (its trailing "\r\n" or "\n" dropped) into cells, which
 * are unquoted.  0, or -1 (out of memory, an unterminated quote).  Free the
 * row with csv_row_free (also after a failure). */
int csv_split(const char *line, csv_row *row);
void csv_row_free(csv_row *row);
/* The index of the column named name in a header row, or -1. */
long csv_column(const csv_row *head, const char *name);

/* s as one cell in double quotes, each " doubled. */
void csv_write_quoted(FILE *f, const char *s);
/* s as one cell, quoted only if it holds a comma, a quote or a newline. */
void csv_write_quoted_if_needed(FILE *f, const char *s);

#endif
