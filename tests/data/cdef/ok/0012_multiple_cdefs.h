typedef unsigned int handle_t;
struct config { handle_t h; int flags; };
#define MAX_ITEMS 8
//- cdef
struct registry { struct config cfg[MAX_ITEMS]; handle_t last; };
handle_t open_handle(const struct config *cfg);
//- cdef
/* An identical typedef redefinition is accepted (as in C11). */
typedef unsigned int handle_t;
