/* csv_text.c — RFC 4180 cells: split a line, write a cell. */
#include "csv_text.h"

#include <stdlib.h>
#include <string.h>

int csv_split(const char *line, csv_row *row)
{
    memset(row, 0, sizeof *row);
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    row->buf = malloc(len + 1);
    /* at most one cell per comma, plus one */
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) cap += line[i] == ',';
    row->cell = malloc(cap * sizeof *row->cell);
    if (!row->buf || !row->cell) return -1;
    char *w = row->buf;
    size_t i = 0;
    for (;;) {
        row->cell[row->n++] = w;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) return -1; /* unterminated */
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        *w++ = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                *w++ = line[i++];
            }
            if (i < len && line[i] != ',') return -1; /* text after the closing quote */
        } else {
            while (i < len && line[i] != ',') *w++ = line[i++];
        }
        *w++ = '\0';
        if (i >= len) break;
        i++; /* the comma */
    }
    return 0;
}

void csv_row_free(csv_row *row)
{
    free(row->cell);
    free(row->buf);
    row->cell = NULL;
    row->buf = NULL;
    row->n = 0;
}

long csv_column(const csv_row *head, const char *name)
{
    for (size_t j = 0; j < head->n; j++)
        if (!strcmp(head->cell[j], name)) return (long)j;
    return -1;
}

void csv_write_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void csv_write_quoted_if_needed(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r")) csv_write_quoted(f, s);
    else fputs(s, f);
}
