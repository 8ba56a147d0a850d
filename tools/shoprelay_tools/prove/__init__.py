"""``shoprelay prove``: evidence that the relay keeps its promises under load, faults and abuse.

* :mod:`.workload` builds the signed webhooks (five shops, real fixtures, fresh ids, 1-1,000 lines);
* :mod:`.shopify` delivers them as Shopify does, retrying every answer that is not a 2xx;
* :mod:`.faults` makes every vendor sandbox fail at random, at documented rates;
* :mod:`.own_faults` makes AWS itself hang, fail and throttle, through the fault proxy;
* :mod:`.fleet` runs the functions in processes killed at their timeout, reads their log
  lines per invocation, and crashes the vendor functions;
* :mod:`.soak` posts, crashes, settles and gathers evidence; :mod:`.reconcile` judges it;
* :mod:`.bad_input` sends malformed and hostile requests byte for byte;
* :mod:`.emulator` makes moto's DynamoDB and SQS behave under concurrency;
* :mod:`.run` runs it all into an :mod:`.outcome`; :mod:`.report` prints it.
"""
