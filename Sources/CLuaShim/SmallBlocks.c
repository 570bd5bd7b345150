// A state's own pool of small blocks (16 to 256 bytes, in steps of 16): most of what Lua allocates
// for a hook (the event's tables, its strings, a payload's tables) is that small and dies by the
// next collection. Lua tells the allocator every block's size when it frees or resizes it, so a
// block needs no header: freed blocks wait on their size's list and the next allocation of that
// size takes the most recently freed one, which is still warm in the cache. Against glibc's
// malloc this is a few instructions and touches only this state's memory.
//
// Memory comes from chunks taken with malloc (1 KiB at first, doubling to 64 KiB) and is given
// back only when the state closes: a state keeps what its peak of small blocks needed, which its
// memory limit bounds (the limit counts the blocks Lua asked for, as before).
#include "shim_internal.h"
#include <stdlib.h>
#include <string.h>

#define SMALL_FIRST_CHUNK 1024
#define SMALL_LAST_CHUNK (64 * 1024)

struct small_chunk { struct small_chunk *next; };
/* A chunk's first 16 bytes hold its link, so blocks after it stay 16-byte aligned. */
#define SMALL_CHUNK_HEADER 16

static void *carve(small_blocks *pool, size_t size) {
    if (pool->bump_left < size) {
        size_t chunk_size = pool->next_chunk == 0 ? SMALL_FIRST_CHUNK : pool->next_chunk;
        struct small_chunk *chunk = malloc(chunk_size);
        if (chunk == NULL) return NULL;
        chunk->next = pool->chunks;
        pool->chunks = chunk;
        /* What was left of the previous chunk is too small for this block: it goes to its lists. */
        while (pool->bump_left >= SMALL_STEP) {
            size_t piece = pool->bump_left >= SMALL_MAX ? SMALL_MAX : pool->bump_left / SMALL_STEP * SMALL_STEP;
            void **block = (void **)pool->bump;
            int class = small_class(piece);
            *block = pool->free[class];
            pool->free[class] = block;
            pool->bump += piece;
            pool->bump_left -= piece;
        }
        pool->bump = (char *)chunk + SMALL_CHUNK_HEADER;
        pool->bump_left = chunk_size - SMALL_CHUNK_HEADER;
        pool->next_chunk = chunk_size * 2 > SMALL_LAST_CHUNK ? SMALL_LAST_CHUNK : chunk_size * 2;
    }
    void *block = pool->bump;
    pool->bump += size;
    pool->bump_left -= size;
    return block;
}

void *small_alloc(small_blocks *pool, size_t size) {
    int class = small_class(size);
    void **block = pool->free[class];
    if (block != NULL) {
        pool->free[class] = *block;
        return block;
    }
    return carve(pool, (size_t)(class + 1) * SMALL_STEP);
}

void small_free(small_blocks *pool, void *block, size_t size) {
    int class = small_class(size);
    void **link = block;
    *link = pool->free[class];
    pool->free[class] = link;
}

void small_release_all(small_blocks *pool) {
    struct small_chunk *chunk = pool->chunks;
    while (chunk != NULL) {
        struct small_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    memset(pool, 0, sizeof *pool);
}
