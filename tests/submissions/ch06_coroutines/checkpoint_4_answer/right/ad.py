# right: both calls that do not await
answer = 'ad'
